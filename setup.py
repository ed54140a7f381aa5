"""Build script for the C extensions of the matcher, the segmenter's word table, the rumour pre-filter and the rumour score bound (everything else is declared in
pyproject.toml)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("plugin.matching.cloops", ["plugin/matching/cloops.c"], depends=["plugin/matching/crc16be.h"],
                             extra_compile_args=["-O2"], libraries=["m"]),
                   Extension("plugin.matching.cbuild", ["plugin/matching/cbuild.c"], depends=["plugin/matching/crc16be.h"],
                             extra_compile_args=["-O2"]),
                   Extension("plugin.cwordtable", ["plugin/cwordtable.c"], depends=["plugin/matching/crc16be.h"],
                             extra_compile_args=["-O2"], libraries=["m"]),
                   Extension("plugin.rumors.cprefilter", ["plugin/rumors/cprefilter.c"], extra_compile_args=["-O2"]),
                   Extension("plugin.rumors.cscoring", ["plugin/rumors/cscoring.c"], extra_compile_args=["-O2"])])
