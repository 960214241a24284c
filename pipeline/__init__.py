"""zhucun: facts about village postings (驻村) from Chinese reports on party-building poverty work."""

__version__ = "0.1.0"
