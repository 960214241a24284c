"""The HTML page of ``zhucun report``: inline CSS and vanilla JavaScript, no external resource.

``{{TITLE}}``, ``{{ADMIN}}`` (pre-rendered HTML) and ``{{DATA}}`` (JSON, escaped for <script>) are filled
in by ``pipeline.report.render_html``.
"""

TEMPLATE = r"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{{TITLE}}</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#263238;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header h1{font-size:17px;margin:0 12px 0 0}
nav button{background:#37474f;color:#fff;border:0;padding:6px 12px;margin-right:4px;cursor:pointer;border-radius:3px}
nav button.active{background:#ffb300;color:#000}
main{padding:12px 16px}
section.tab{display:none}section.tab.active{display:block}
table{border-collapse:collapse;font-size:13px;background:#fff}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eceff1;cursor:pointer;user-select:none;white-space:nowrap}
th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
.controls{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0;align-items:center}
.controls input[type=search]{width:240px;padding:4px}
.note{background:#fff8e1;border-left:4px solid #ffb300;padding:6px 10px;margin:8px 0;font-size:13px}
.pager{margin:6px 0;font-size:13px}.pager button{margin:0 4px}
.ev-cell{max-width:420px;font-size:12px;color:#555}
.kv td:first-child{font-weight:bold}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #ddd;border-radius:4px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:22px}
mark.ent{padding:1px 2px;border-radius:3px;line-height:1.9}
.ent-PERSON{background:#aa9cfc}.ent-ORG{background:#7aecec}.ent-PLACE{background:#feca74}
.ent-ROLE{background:#c887fb}.ent-DATE{background:#bfe1d9}.ent-MONEY{background:#e4e7d2}.ent-QUANTITY{background:#ddd6c8}
mark.ev{background:transparent;border-bottom:2px solid #e53935;padding:0}
mark.ev.target{background:#ffeb3b;outline:2px solid #e53935}
.legend span{display:inline-block;padding:1px 6px;margin-right:4px;border-radius:3px;font-size:12px}
#article-layout{display:flex;gap:12px}
#article-list{width:260px;max-height:80vh;overflow:auto;font-size:13px;background:#fff;border:1px solid #ddd}
#article-list a{display:block;padding:4px 6px;border-bottom:1px solid #eee;color:#1a237e;text-decoration:none}
#article-list a.current{background:#ffe082}
#article-body{flex:1;min-width:0}
#article-text{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:12px;font-size:15px;line-height:1.8}
#graph-layout{display:flex;gap:12px}
#graph-wrap{flex:1;background:#fff;border:1px solid #ddd;min-width:0}
#graph-svg{width:100%;height:72vh;cursor:grab;display:block}
#graph-svg circle{stroke:#fff;stroke-width:1;cursor:pointer}
#graph-svg circle.hit{stroke:#000;stroke-width:3}
#graph-svg circle.sel{stroke:#e53935;stroke-width:4}
#graph-svg line{stroke:#999;stroke-opacity:.6}
#graph-svg line.PART_OF{stroke:#bbb;stroke-dasharray:4 3}
#graph-svg.no-partof line.PART_OF{display:none}
#graph-svg text{font-size:10px;pointer-events:none;fill:#333}
#graph-panel{width:340px;max-height:76vh;overflow:auto;background:#fff;border:1px solid #ddd;padding:8px;font-size:13px}
#graph-panel li{margin-bottom:4px}
.t-Person{fill:#7e57c2;background:#7e57c2}.t-Place{fill:#ff9800;background:#ff9800}.t-Organization{fill:#26a69a;background:#26a69a}
.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:3px}
details{margin:3px 0 3px 14px}summary{cursor:pointer}.cnt{color:#666;font-size:12px}
svg.bars rect.b{fill:#90a4ae}svg.bars rect.a{fill:#43a047}svg.bars rect.down{fill:#e53935}
</style>
</head>
<body>
<header><h1>{{TITLE}}</h1>
<nav id="tabs"><button data-tab="summary">Summary</button><button data-tab="postings">Postings</button><button data-tab="changes">Changes</button><button data-tab="graph">Graph</button><button data-tab="articles">Articles</button><button data-tab="places">Places</button></nav>
</header>
<main>
<section class="tab" id="tab-summary"></section>
<section class="tab" id="tab-postings"><h2>Postings</h2><div id="postings-note"></div><div class="controls" id="postings-controls"></div><div id="postings-table"></div></section>
<section class="tab" id="tab-changes"><h2>Changes (before → after)</h2><div id="changes-note"></div><div class="controls" id="changes-controls"></div><div id="changes-table"></div></section>
<section class="tab" id="tab-graph"><h2>Graph of people, places and organisations</h2><div id="graph-note"></div>
<div class="controls"><input type="search" id="graph-search" placeholder="search a name…"><label><input type="checkbox" id="graph-partof" checked> PART_OF hierarchy edges</label>
<span class="legend"><span class="t-Person" style="color:#fff">Person</span><span class="t-Place">Place</span><span class="t-Organization" style="color:#fff">Organization</span></span><span id="graph-hits"></span></div>
<div id="graph-layout"><div id="graph-wrap"><svg id="graph-svg" viewBox="0 0 1000 1000" xmlns="http://www.w3.org/2000/svg"></svg></div><div id="graph-panel"><p>Click a node to see its facts and articles.</p></div></div></section>
<section class="tab" id="tab-articles"><h2>Articles</h2><div id="articles-note"></div>
<div id="article-layout"><div><input type="search" id="article-filter" placeholder="filter articles…" style="width:250px"><div id="article-list"></div></div>
<div id="article-body"></div></div></section>
<section class="tab" id="tab-places"><h2>Administrative drill-down (province → county → village)</h2>
<p class="note">Counts of postings (from the postings table) and changes (placed through the knowledge graph).</p>{{ADMIN}}</section>
</main>
<script type="application/json" id="report-data">{{DATA}}</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("report-data").textContent);
const PAGE = DATA.caps.page_size;
function esc(s){return String(s==null?"":s).replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));}
function el(tag, attrs, html){const e=document.createElement(tag);for(const k in (attrs||{}))e.setAttribute(k,attrs[k]);if(html!=null)e.innerHTML=html;return e;}
function num(v){if(v==null)return "";return Number.isInteger(v)?String(v):String(Math.round(v*100)/100);}
const ARTICLE_INDEX = {};DATA.articles.forEach((a,i)=>{ARTICLE_INDEX[a.id]=i;});
function evLink(articleId, ev, shown){return shown?'<a class="evlink" href="#article='+encodeURIComponent(articleId)+'&ev='+ev+'">evidence</a>':'<span title="article text not embedded (cap)">not embedded</span>';}

/* ---------- tabs and routing ---------- */
function showTab(name){document.querySelectorAll("section.tab").forEach(s=>s.classList.toggle("active",s.id==="tab-"+name));
 document.querySelectorAll("#tabs button").forEach(b=>b.classList.toggle("active",b.dataset.tab===name));
 if(name==="graph")Graph.init();}
document.querySelectorAll("#tabs button").forEach(b=>b.addEventListener("click",()=>{location.hash=b.dataset.tab;}));
function route(){const h=decodeURIComponent(location.hash.slice(1));
 if(h.startsWith("article=")){const params={};h.split("&").forEach(p=>{const i=p.indexOf("=");params[p.slice(0,i)]=p.slice(i+1);});
  showTab("articles");Articles.show(ARTICLE_INDEX[params.article]!=null?ARTICLE_INDEX[params.article]:0,params.ev);return;}
 const tabs=["summary","postings","changes","graph","articles","places"];showTab(tabs.includes(h)?h:"summary");
 if(h==="articles"&&Articles.current<0)Articles.show(0);}
window.addEventListener("hashchange",route);

/* ---------- generic table: search, select filters, sort, pages of PAGE rows ---------- */
function makeTable(opts){
 const state={q:"",filters:{},sort:null,dir:1,page:0};
 const controls=document.getElementById(opts.controls), box=document.getElementById(opts.table+"-table");
 const search=el("input",{type:"search",placeholder:"search…",id:opts.table+"-search"});controls.appendChild(search);
 search.addEventListener("input",()=>{state.q=search.value.trim().toLowerCase();state.page=0;draw();});
 (opts.filters||[]).forEach(f=>{const values=[...new Set(opts.rows.map(r=>r[f]).filter(v=>v!=null&&v!==""))].sort();
  const sel=el("select",{id:opts.table+"-filter-"+f});sel.appendChild(el("option",{value:""},"all "+f+" ("+values.length+")"));
  values.forEach(v=>{const o=el("option");o.value=v;o.textContent=v;sel.appendChild(o);});
  sel.addEventListener("change",()=>{state.filters[f]=sel.value;state.page=0;draw();});controls.appendChild(sel);});
 const count=el("span",{class:"count",id:opts.table+"-count"});controls.appendChild(count);
 function visible(){let rows=opts.rows.filter(r=>{for(const f in state.filters){if(state.filters[f]&&String(r[f])!==state.filters[f])return false;}
   if(!state.q)return true;return opts.columns.some(c=>String(r[c.key]==null?"":r[c.key]).toLowerCase().includes(state.q))||String(r.evidence||"").toLowerCase().includes(state.q);});
  if(state.sort){const k=state.sort,d=state.dir;rows=rows.slice().sort((a,b)=>{const x=a[k],y=b[k];
   if(x==null&&y==null)return a.i-b.i;if(x==null)return 1;if(y==null)return -1;
   if(typeof x==="number"&&typeof y==="number")return (x-y)*d||a.i-b.i;return String(x).localeCompare(String(y),"zh")*d||a.i-b.i;});}
  return rows;}
 function draw(){const rows=visible(),pages=Math.max(1,Math.ceil(rows.length/PAGE));state.page=Math.min(state.page,pages-1);
  count.textContent=rows.length+" of "+opts.rows.length+" rows";
  const t=el("table",{class:"data",id:opts.table+"-data"}),head=el("tr");
  opts.columns.forEach(c=>{const th=el("th",{"data-key":c.key},esc(c.label||c.key));if(state.sort===c.key)th.className=state.dir>0?"asc":"desc";
   th.addEventListener("click",()=>{if(state.sort===c.key)state.dir=-state.dir;else{state.sort=c.key;state.dir=1;}draw();});head.appendChild(th);});
  const thead=el("thead");thead.appendChild(head);t.appendChild(thead);const tb=el("tbody");
  rows.slice(state.page*PAGE,(state.page+1)*PAGE).forEach(r=>{const tr=el("tr");
   opts.columns.forEach(c=>{const td=el("td",c.cls?{class:c.cls}:{});td.innerHTML=c.render?c.render(r):esc(r[c.key]);tr.appendChild(td);});tb.appendChild(tr);});
  t.appendChild(tb);const pager=el("div",{class:"pager"});
  const prev=el("button",{},"‹ prev"),next=el("button",{},"next ›");prev.disabled=state.page===0;next.disabled=state.page>=pages-1;
  prev.addEventListener("click",()=>{state.page--;draw();});next.addEventListener("click",()=>{state.page++;draw();});
  pager.appendChild(prev);pager.appendChild(el("span",{},"page "+(state.page+1)+" / "+pages+" ("+PAGE+" rows a page)"));pager.appendChild(next);
  box.innerHTML="";box.appendChild(t);box.appendChild(pager);}
 draw();return {draw,state};}

/* ---------- summary ---------- */
function renderSummary(){const s=DATA.summary,c=DATA.caps;let h="<h2>Run summary</h2><div class='cards'>";
 [["articles",s.articles],["stories",s.stories],["postings",s.facts.postings],["roles",s.facts.roles],["changes",s.facts.changes],
  ["statistics",s.facts.statistics],["mentions",s.mentions],["errors",s.facts.errors]].forEach(([k,v])=>{h+="<div class='card'><b>"+esc(v==null?"–":v)+"</b>"+k+"</div>";});
 h+="</div>";
 h+="<div class='note'>Embedded: the text of "+c.articles[0]+" of "+c.articles[1]+" articles (--max-articles "+c.max_articles+", those with the most facts); "+
  c.postings[0]+" of "+c.postings[1]+" postings and "+c.changes[0]+" of "+c.changes[1]+" changes; "+DATA.graph.nodes.length+" of "+DATA.graph.total_nodes+
  " people/places/organisations in the graph (highest degree first). Tables show "+PAGE+" rows a page.</div>";
 h+="<h3>Backend and settings</h3><table class='kv'><tr><td>NER backend</td><td>"+esc(s.backend)+"</td></tr><tr><td>zhucun</td><td>"+esc(s.version)+"</td></tr>"+
  "<tr><td>inputs</td><td>"+s.inputs.map(esc).join("<br>")+"</td></tr><tr><td>total time (s)</td><td>"+esc(s.total_seconds)+"</td></tr>";
 Object.keys(s.settings).sort().forEach(k=>{h+="<tr><td>"+esc(k)+"</td><td>"+esc(JSON.stringify(s.settings[k]))+"</td></tr>";});
 h+="<tr><td>packages</td><td>"+Object.keys(s.packages).sort().map(k=>esc(k+" "+s.packages[k])).join(", ")+"</td></tr>";
 h+="<tr><td>graph</td><td>"+Object.keys(s.graph).map(k=>esc(k)+" "+s.graph[k]).join(", ")+"; "+s.graph_edges+" edges</td></tr></table>";
 h+="<h3>Errors</h3>";if(!s.error_reasons.length)h+="<p id='no-errors'>No errors.</p>";else{
  h+="<table id='error-reasons'><tr><th>stage</th><th>reason</th><th>articles</th></tr>"+s.error_reasons.map(e=>"<tr><td>"+esc(e.stage)+"</td><td>"+esc(e.reason)+"</td><td>"+e.n+"</td></tr>").join("")+"</table>";
  h+="<details><summary>first "+s.errors.length+" error rows</summary><table><tr><th>article</th><th>stage</th><th>reason</th><th>source</th></tr>"+
   s.errors.map(e=>"<tr><td>"+esc(e.article_id)+"</td><td>"+esc(e.stage)+"</td><td>"+esc(e.reason)+"</td><td>"+esc(e.source)+"</td></tr>").join("")+"</table></details>";}
 document.getElementById("tab-summary").innerHTML=h;}

/* ---------- postings and changes ---------- */
function capNote(id,name,cap){if(cap[0]<cap[1])document.getElementById(id).innerHTML="<div class='note'>Only the first "+cap[0]+" of "+cap[1]+" "+name+" are embedded.</div>";}
function renderPostings(){capNote("postings-note","postings",DATA.caps.postings);
 makeTable({controls:"postings-controls",table:"postings",rows:DATA.postings,filters:["province","county","org","role","year"],
  columns:[{key:"person"},{key:"role"},{key:"village"},{key:"township"},{key:"county"},{key:"city"},{key:"province"},{key:"org",label:"派出单位 org"},
   {key:"start"},{key:"year"},{key:"article"},{key:"evidence",cls:"ev-cell",render:r=>esc(r.evidence)+" "+evLink(r.article,r.ev,r.shown)}]});}
function bars(r){if(r.before==null||r.after==null){return r.delta!=null?"<span>Δ "+esc(num(r.delta))+"</span>":"";}
 const m=Math.max(Math.abs(r.before),Math.abs(r.after))||1,w=110,bw=Math.max(1,Math.round(w*Math.abs(r.before)/m)),aw=Math.max(1,Math.round(w*Math.abs(r.after)/m));
 return "<svg class='bars' width='"+(w+4)+"' height='22' role='img' aria-label='"+esc(num(r.before)+" to "+num(r.after))+"'><title>"+esc(num(r.before)+" → "+num(r.after)+" "+(r.unit||""))+"</title>"+
  "<rect class='b' x='0' y='1' height='9' width='"+bw+"'></rect><rect class='a"+(r.after<r.before?" down":"")+"' x='0' y='12' height='9' width='"+aw+"'></rect></svg>";}
function renderChanges(){capNote("changes-note","changes",DATA.caps.changes);
 makeTable({controls:"changes-controls",table:"changes",rows:DATA.changes,filters:["subject","metric","unit"],
  columns:[{key:"path",label:"place"},{key:"subject"},{key:"metric"},{key:"before",render:r=>esc(num(r.before))},{key:"after",render:r=>esc(num(r.after))},
   {key:"chart",label:"before → after",render:bars},{key:"delta",render:r=>esc(num(r.delta))},{key:"unit"},{key:"before_time"},{key:"after_time"},{key:"article"},
   {key:"evidence",cls:"ev-cell",render:r=>esc(r.evidence)+" "+evLink(r.article,r.ev,r.shown)}]});}

/* ---------- graph ---------- */
const Graph={ready:false,nodes:{},init(){if(this.ready)return;this.ready=true;const g=DATA.graph,svg=document.getElementById("graph-svg"),NS="http://www.w3.org/2000/svg";
 if(g.nodes.length<g.total_nodes)document.getElementById("graph-note").innerHTML="<div class='note'>Showing the "+g.nodes.length+" of "+g.total_nodes+" nodes with the most facts.</div>";
 g.nodes.forEach(n=>{this.nodes[n.id]=n;});const edges=document.createElementNS(NS,"g"),circles=document.createElementNS(NS,"g"),labels=document.createElementNS(NS,"g");
 g.edges.forEach(e=>{const a=this.nodes[e.s],b=this.nodes[e.t];const l=document.createElementNS(NS,"line");
  l.setAttribute("x1",a.x);l.setAttribute("y1",a.y);l.setAttribute("x2",b.x);l.setAttribute("y2",b.y);l.setAttribute("class",e.type);edges.appendChild(l);});
 const ranked=g.nodes.slice().sort((a,b)=>b.deg-a.deg);const labelled=new Set(ranked.slice(0,60).map(n=>n.id));
 g.nodes.forEach(n=>{const c=document.createElementNS(NS,"circle");c.setAttribute("cx",n.x);c.setAttribute("cy",n.y);c.setAttribute("r",Math.min(14,4+Math.sqrt(n.deg)*1.5));
  c.setAttribute("class","t-"+n.type);c.setAttribute("data-id",n.id);const t=document.createElementNS(NS,"title");t.textContent=n.name+" ("+n.type+")";c.appendChild(t);
  c.addEventListener("click",ev=>{ev.stopPropagation();this.select(n.id);});circles.appendChild(c);n.circle=c;
  if(labelled.has(n.id)){const tx=document.createElementNS(NS,"text");tx.setAttribute("x",n.x+6);tx.setAttribute("y",n.y-6);tx.textContent=n.name;labels.appendChild(tx);}});
 svg.appendChild(edges);svg.appendChild(circles);svg.appendChild(labels);
 document.getElementById("graph-partof").addEventListener("change",e=>svg.classList.toggle("no-partof",!e.target.checked));
 const search=document.getElementById("graph-search");search.addEventListener("input",()=>this.search(search.value.trim()));
 search.addEventListener("keydown",e=>{if(e.key==="Enter"){const hit=g.nodes.find(n=>n.circle.classList.contains("hit"));if(hit)this.select(hit.id);}});
 this.zoom(svg);},
 search(q){let hits=0;DATA.graph.nodes.forEach(n=>{const on=q!==""&&(n.name.includes(q)||String(n.path||"").includes(q));n.circle.classList.toggle("hit",on);if(on)hits++;});
  document.getElementById("graph-hits").textContent=q?hits+" match"+(hits===1?"":"es"):"";},
 select(id){const n=this.nodes[id];DATA.graph.nodes.forEach(m=>m.circle.classList.toggle("sel",m.id===id));
  let h="<h3><span class='dot t-"+n.type+"'></span>"+esc(n.name)+"</h3><p>"+esc(n.type)+(n.level?" · "+esc(n.level):"")+(n.path?"<br>"+esc(n.path):"")+"<br>"+n.n_articles+" article(s), degree "+n.deg+"</p>";
  const nb=DATA.graph.edges.filter(e=>e.s===id||e.t===id).map(e=>({e,o:this.nodes[e.s===id?e.t:e.s]}));
  h+="<h4>Facts ("+n.facts.length+")</h4><ul id='panel-facts'>"+(n.facts.map(f=>"<li><b>"+esc(f.kind)+"</b> "+esc(f.label)+" "+evLink(f.article,f.ev,f.shown)+"</li>").join("")||"<li>none</li>")+"</ul>";
  h+="<h4>Linked</h4><ul>"+(nb.map(x=>"<li>"+esc(x.e.type)+" <a href='#' data-node='"+esc(x.o.id)+"'>"+esc(x.o.name)+"</a></li>").join("")||"<li>none</li>")+"</ul>";
  h+="<h4>Articles</h4><ul id='panel-articles'>"+n.articles.map(a=>"<li>"+(a.shown?"<a href='#article="+encodeURIComponent(a.id)+"'>"+esc(a.title)+"</a>":esc(a.title)+" (not embedded)")+"</li>").join("")+"</ul>";
  const panel=document.getElementById("graph-panel");panel.innerHTML=h;
  panel.querySelectorAll("a[data-node]").forEach(a=>a.addEventListener("click",e=>{e.preventDefault();this.select(a.dataset.node);}));},
 zoom(svg){let vb=[0,0,1000,1000],drag=null;const set=()=>svg.setAttribute("viewBox",vb.join(" "));
  svg.addEventListener("wheel",e=>{e.preventDefault();const r=svg.getBoundingClientRect(),f=e.deltaY>0?1.2:1/1.2;
   const px=vb[0]+vb[2]*(e.clientX-r.left)/r.width,py=vb[1]+vb[3]*(e.clientY-r.top)/r.height;vb=[px-(px-vb[0])*f,py-(py-vb[1])*f,vb[2]*f,vb[3]*f];set();},{passive:false});
  svg.addEventListener("mousedown",e=>{drag=[e.clientX,e.clientY,vb[0],vb[1]];});window.addEventListener("mouseup",()=>{drag=null;});
  svg.addEventListener("mousemove",e=>{if(!drag)return;const r=svg.getBoundingClientRect();vb[0]=drag[2]-(e.clientX-drag[0])*vb[2]/r.width;vb[1]=drag[3]-(e.clientY-drag[1])*vb[3]/r.height;set();});}};

/* ---------- articles ---------- */
function renderText(text,ents,evs){const cuts=new Set([0,text.length]);ents.forEach(x=>{cuts.add(x[0]);cuts.add(x[1]);});evs.forEach(x=>{cuts.add(x[0]);cuts.add(x[1]);});
 const pts=[...cuts].sort((a,b)=>a-b),started=new Set();let out="";
 for(let i=0;i+1<pts.length;i++){const s=pts[i],e=pts[i+1];let inner=esc(text.slice(s,e));
  let ent=null;ents.forEach(x=>{if(x[0]<=s&&x[1]>=e&&(!ent||x[1]-x[0]<ent[1]-ent[0]))ent=x;});
  if(ent)inner="<mark class='ent ent-"+ent[2]+"' title='"+ent[2]+"'>"+inner+"</mark>";
  const cover=evs.filter(x=>x[0]<=s&&x[1]>=e);
  if(cover.length){const ids=cover.map(x=>x[2]),fresh=ids.filter(id=>!started.has(id));fresh.forEach(id=>started.add(id));
   inner="<mark class='ev' data-ev='"+ids.join(" ")+"'"+(fresh.length?" id='ev-"+fresh[0]+"'":"")+">"+inner+"</mark>";
   fresh.slice(1).forEach(id=>{inner="<span id='ev-"+id+"'>"+inner+"</span>";});}
  out+=inner;}
 return out;}
const Articles={current:-1,init(){const list=document.getElementById("article-list"),c=DATA.caps;
 document.getElementById("articles-note").innerHTML="<div class='note'>The text of "+c.articles[0]+" of "+c.articles[1]+" articles is embedded (--max-articles "+c.max_articles+"; the articles with the most facts). Entities: <span class='legend'>"+
  ["PERSON","PLACE","ORG","ROLE","DATE","MONEY","QUANTITY"].map(t=>"<span class='ent-"+t+"'>"+t+"</span>").join("")+"</span> fact evidence is underlined in red.</div>";
 DATA.articles.forEach((a,i)=>{const link=el("a",{href:"#article="+encodeURIComponent(a.id),"data-i":i});link.textContent=(a.published||"")+" "+a.title;list.appendChild(link);});
 document.getElementById("article-filter").addEventListener("input",e=>{const q=e.target.value.trim();list.querySelectorAll("a").forEach(a=>{a.style.display=a.textContent.includes(q)?"":"none";});});},
 show(i,ev){if(!DATA.articles.length){document.getElementById("article-body").innerHTML="<p>No article text embedded.</p>";return;}
  const a=DATA.articles[i];if(this.current!==i){this.current=i;
  document.querySelectorAll("#article-list a").forEach(x=>x.classList.toggle("current",Number(x.dataset.i)===i));
  const prev=i>0?"<a id='article-prev' href='#article="+encodeURIComponent(DATA.articles[i-1].id)+"'>‹ previous</a>":"<span>‹ previous</span>";
  const next=i+1<DATA.articles.length?"<a id='article-next' href='#article="+encodeURIComponent(DATA.articles[i+1].id)+"'>next ›</a>":"<span>next ›</span>";
  let h="<div class='controls'>"+prev+" <span>"+(i+1)+" / "+DATA.articles.length+"</span> "+next+"</div><h3 id='article-title'>"+esc(a.title)+"</h3><p>"+esc(a.id)+" · "+esc(a.published||"date unknown")+" · "+esc(a.source||"")+"</p>";
  if(a.text==null)h+="<div class='note'>The original text could not be read again from the inputs.</div>";
  if(a.mismatched)h+="<div class='note'>"+a.mismatched+" entity spans do not match the text (input changed since the run?) and are not shown.</div>";
  if(a.changed)h+="<div class='note'>The input's length differs from the run's; offsets may be wrong.</div>";
  h+="<div id='article-text'>"+(a.text==null?"":renderText(a.text,a.entities,a.evidence))+"</div>";
  h+="<h4>Facts ("+a.facts.length+")</h4><ul id='article-facts'>"+a.facts.map(f=>"<li><a href='#article="+encodeURIComponent(a.id)+"&ev="+f.ev+"'>"+esc(f.table)+"</a> "+esc(f.label)+"</li>").join("")+"</ul>";
  document.getElementById("article-body").innerHTML=h;}
  document.querySelectorAll("mark.ev.target").forEach(m=>m.classList.remove("target"));
  if(ev){document.querySelectorAll("mark.ev").forEach(m=>{if(m.dataset.ev.split(" ").includes(ev))m.classList.add("target");});
   const t=document.getElementById("ev-"+ev);if(t)t.scrollIntoView({block:"center"});}
  else window.scrollTo(0,0);}};

renderSummary();renderPostings();renderChanges();Articles.init();route();
</script>
</body>
</html>
"""
