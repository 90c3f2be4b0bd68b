"""Build step of gisplan beyond pyproject.toml: the message catalogs of po/ compiled for gettext.

``po/<language>.po`` becomes ``gisplan/cli/locale/<language>/LC_MESSAGES/gisplan.mo`` in the
wheel (or, for an editable install, beside the sources, as an extension is built in place).
The compiler is gisplan/cli/_po.py, loaded by its path: the build needs nothing installed.
"""

import importlib.util
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _po_module():
    spec = importlib.util.spec_from_file_location("_gisplan_po", HERE / "gisplan" / "cli" / "_po.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class BuildPyWithCatalogs(build_py):
    """``build_py`` that also compiles the message catalogs."""

    def run(self):
        super().run()
        if self.editable_mode:
            target = HERE / self.get_package_dir("gisplan.cli")
        else:
            target = Path(self.build_lib, "gisplan", "cli")
        self._catalogs = _po_module().compile_all(HERE / "po", target / "locale")

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:  # the catalogs are beside the sources, not in the wheel
            return outputs
        return outputs + [str(p) for p in getattr(self, "_catalogs", [])]


setup(cmdclass={"build_py": BuildPyWithCatalogs})
