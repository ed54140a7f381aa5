"""The parts of :class:`plugin.matcher.Matcher`, one step each (see ``docs/matching.md``).

==================  ==========================================================================
``model``           :class:`Technique`, the :class:`Candidate` every pass yields, spellings, gates
``compile``         entries → one automaton over homophone-class keys and the tables beside it
``kinds``           which passes a dense view needs, from one scan of its character kinds
``dense``           the dense pass: exact, variant, shape and homophone candidates in one scan
``split``           the joined view: split-character spellings, word emoji, separator letters
``pinyin``          the pinyin pass on the main automaton, and the initials index
``patterns``        regex entries on the folded text
``filters``         scope, validity, allow phrases, context rules, word boundaries; candidates → hits
``artefact``        the compiled-matcher artefact codec (dump / load a compiled matcher as bytes)
==================  ==========================================================================
"""

from __future__ import annotations

from .model import TECHNIQUE_RANK, Candidate, ContextGate, Spelling, Technique

__all__ = ["TECHNIQUE_RANK", "Candidate", "ContextGate", "Spelling", "Technique"]
