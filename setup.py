"""Build script for the C extension of the matcher (everything else is declared in pyproject.toml)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("plugin.matching.cloops", ["plugin/matching/cloops.c"],
                             extra_compile_args=["-O2"], libraries=["m"]),
                   Extension("plugin.matching.cbuild", ["plugin/matching/cbuild.c"], extra_compile_args=["-O2"])])
