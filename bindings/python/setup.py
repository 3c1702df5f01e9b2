"""Build step of the trestle package: puts libtrestle_c.so inside the package.

The library comes from $TRESTLE_C_LIBRARY (the absolute path of a built libtrestle_c.so), or, when that is unset and
this folder sits in a Trestle source tree, from a CMake build of the target trestle_c_shared in
build/cmake here (a few minutes on two cores; needs the packages of scripts/bootstrap). Nothing is
downloaded: with --no-build-isolation the build uses the setuptools already installed.
"""

import os
import pathlib
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = pathlib.Path(__file__).resolve().parent
LIBRARY_NAME = "libtrestle_c.so"


def _source_tree():
    root = HERE.parent.parent
    top = root / "CMakeLists.txt"
    if top.is_file() and "project(Trestle" in top.read_text(errors="replace"):
        return root
    return None


def _library():
    given = os.environ.get("TRESTLE_C_LIBRARY")
    if given:
        path = pathlib.Path(given)
        if not path.is_absolute():
            # pip runs this build in another directory, so a relative path would mislead.
            raise SystemExit(f"TRESTLE_C_LIBRARY={given}: give an absolute path (e.g. \"$PWD/{given}\")")
        if not path.is_file():
            raise SystemExit(f"TRESTLE_C_LIBRARY={given}: no such file")
        return path
    root = _source_tree()
    if root is None:
        raise SystemExit("set TRESTLE_C_LIBRARY to a built libtrestle_c.so (this folder is not inside a Trestle "
                         "source tree, so the library cannot be built here)")
    build = HERE / "build" / "cmake"
    subprocess.run(["cmake", "-S", str(root), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                    "-DTRESTLE_BUILD_TESTS=OFF", "-DTRESTLE_BUILD_TOOLS=OFF", "-DTRESTLE_BUILD_BENCH=OFF"],
                   check=True)
    subprocess.run(["cmake", "--build", str(build), "--target", "trestle_c_shared"], check=True)
    return build / "bindings" / "c" / LIBRARY_NAME


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        target = pathlib.Path(self.build_lib) / "trestle" / LIBRARY_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        # copyfile follows the libtrestle_c.so -> .so.0.1 symlinks and writes one real file.
        shutil.copyfile(_library(), target)


class BinaryDistribution(Distribution):
    """The package carries a shared library, so its wheel is platform-specific."""

    def has_ext_modules(self):
        return True


setup(package_dir={"": "src"}, packages=["trestle"], cmdclass={"build_py": BuildWithLibrary},
      distclass=BinaryDistribution)
