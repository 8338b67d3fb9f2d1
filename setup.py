# The C core is compiled into the cffi extension `pocketnlu._core` at install time;
# everything else is declared in pyproject.toml.
from setuptools import setup

setup(cffi_modules=["csrc/ffibuild.py:ffibuilder"])
