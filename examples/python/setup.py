"""Builds the stubs from proto/ before the package is built (pip install -e examples/python)."""

import pathlib
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import latentserve_stubs  # noqa: E402


class BuildWithStubs(build_py):
    def run(self):
        latentserve_stubs.generate()
        # the generated subpackages did not exist when setuptools listed the packages
        for package in ("latentserve.v1", "latentserve.kserve"):
            if self.packages is not None and package not in self.packages:
                self.packages.append(package)
        super().run()


setup(cmdclass={"build_py": BuildWithStubs})
