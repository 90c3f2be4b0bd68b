import gisplan


def test_public_api_resolves():
    for name in gisplan.__all__:
        assert getattr(gisplan, name) is not None, name


def test_version_and_cli_help():
    from click.testing import CliRunner

    from gisplan.cli.main import cli

    res = CliRunner().invoke(cli, ["--help"])
    assert res.exit_code == 0
    for cmd in ("validate", "convert", "layers", "demo", "indicators", "forest-cover", "map", "print", "publish"):
        assert cmd in res.output
    assert gisplan.__version__ in CliRunner().invoke(cli, ["--version"]).output
