"""Builds meshsim._core with CMake for the interpreter running this script, then packages it
with the pure-Python package python/meshsim (metadata: pyproject.toml).

    /usr/bin/python3 -m pip install --no-build-isolation .          # offline, Debian packages

CMake configures a Release build of the libraries and the module only (no tests, no
benchmarks, warnings not fatal) in build-pip/ and builds the target meshsim_python; the module
is copied to where setuptools expects the extension.  Needs cmake, a C++20 compiler, pybind11
and the libraries' dependencies (.ci/debian-packages-cli.txt).
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def version() -> str:
    """The version CMake knows: project(meshsim VERSION x.y.z) in CMakeLists.txt."""
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(meshsim\s+VERSION\s+([0-9.]+)", text).group(1)


class CMakeExtension(Extension):
    """An extension CMake builds (no sources for setuptools to compile)."""

    def __init__(self, name: str, target: str):
        super().__init__(name, sources=[])
        self.target = target


class CMakeBuild(build_ext):
    """Configures and builds the CMake target, then copies the module into place."""

    def build_extension(self, ext: CMakeExtension) -> None:
        build_dir = Path(self.build_temp).resolve() / "cmake"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DMESHSIM_BUILD_TESTS=OFF",
            "-DMESHSIM_BUILD_BENCH=OFF",
            "-DMESHSIM_BUILD_PYTHON=ON",
            f"-DPython_EXECUTABLE={sys.executable}",
        ]
        if shutil.which("ninja") and not (build_dir / "CMakeCache.txt").exists():
            configure += ["-G", "Ninja"]
        jobs = os.environ.get("MESHSIM_JOBS", str(os.cpu_count() or 1))
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", ext.target, "-j", jobs],
                       check=True)
        built = sorted((build_dir / "python" / "meshsim").glob("_core*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one _core module in {build_dir}/python/meshsim, got {built}")
        dest = Path(self.get_ext_fullpath(ext.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], dest)


setup(
    version=version(),
    ext_modules=[CMakeExtension("meshsim._core", target="meshsim_python")],
    cmdclass={"build_ext": CMakeBuild},
    # Not build/: that is where .ci/setup and the README put the CMake build tree.
    options={"build": {"build_base": "build-pip"}},
    zip_safe=False,
)
