"""The CLI in Vietnamese when the locale is Vietnamese, English elsewhere; the catalog po/vi.po
holds exactly the strings of the code, each translated; the .po reader and .mo writer."""

from __future__ import annotations

import gettext
import importlib.util
import io
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gisplan.cli import i18n
from gisplan.cli._po import DOMAIN, Entry, mo_bytes, read_po, write_po
from gisplan.cli.main import cli

REPO = Path(__file__).resolve().parents[1]
PO = REPO / "po" / "vi.po"
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
GISPLAN = Path(sys.executable).with_name("gisplan")


def _update_po():
    spec = importlib.util.spec_from_file_location("update_po", REPO / "scripts" / "update_po.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env(**locale) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    return {**env, **locale}


def _run_all(commands: dict[str, tuple[list[str], dict]]) -> dict[str, subprocess.CompletedProcess]:
    """Run the gisplan commands side by side (each starts a Python): name → result."""
    procs = {name: subprocess.Popen([str(GISPLAN), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, encoding="utf-8")
             for name, (args, env) in commands.items()}
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        out[name] = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    return out


@pytest.mark.slow
def test_the_cli_speaks_vietnamese_under_a_vietnamese_locale_and_english_elsewhere(tmp_path):
    missing = str(tmp_path / "khong_co.shp")
    cases = {"vi": _env(LANG="vi_VN.UTF-8"), "en": _env(LANG="C.UTF-8"),
             # the locale's precedence: LC_ALL over LANG, LC_MESSAGES over LANG
             "en_lc_all": _env(LANG="vi_VN.UTF-8", LC_ALL="C.UTF-8"),
             "vi_lc_messages": _env(LANG="C.UTF-8", LC_MESSAGES="vi_VN.UTF-8")}
    commands = {}
    for lang, env in cases.items():
        commands[f"{lang} help"] = (["--help"], env)
        if lang in ("vi", "en"):
            commands[f"{lang} indicators"] = (["indicators", "--help"], env)
            commands[f"{lang} missing file"] = (["validate", missing], env)
            commands[f"{lang} missing option"] = (["indicators"], env)
    res = _run_all(commands)

    vi = res["vi help"]
    assert vi.returncode == 0, vi.stderr
    for text in ("Cách dùng: gisplan", "Tùy chọn:", "Lệnh:", "Hiện trợ giúp này rồi thoát.",
                 "Hiện phiên bản rồi thoát.", "lớp dữ liệu, chỉ tiêu và bản đồ", "Kiểm tra các lớp dữ liệu"):
        assert text in vi.stdout, (text, vi.stdout)
    assert "Usage:" not in vi.stdout and "Show this message" not in vi.stdout
    assert res["vi_lc_messages help"].stdout == vi.stdout

    ind = res["vi indicators"]
    assert ind.returncode == 0, ind.stderr
    flat = " ".join(ind.stdout.split())  # the help is wrapped to the terminal
    for text in ("Cách dùng: gisplan indicators", "Tính mọi chỉ tiêu mà các lớp của danh mục cho phép",
                 "Thư mục ghi các tệp CSV, sổ Excel và bản tóm tắt. [bắt buộc]",
                 "Khoảng cách (m) quanh khu bảo tồn để xét xung đột. [mặc định: 1000.0]",
                 "Độ tàn che (%, 0–100) từ đó một điểm ảnh được tính là rừng.", "Thanh tiến trình."):
        assert text in flat, (text, ind.stdout)

    # gisplan's own failure line (exit 2) and click's usage error, both in Vietnamese
    fail = res["vi missing file"]
    assert fail.returncode == 2 and fail.stdout == ""
    assert fail.stderr.splitlines() == [f"Lỗi: {missing} không tồn tại (không phải tệp, thư mục hay mục nào của danh "
                                        f"mục {REPO / 'layers' / 'demo.toml'}); kiểm tra lại đường dẫn"]
    usage = res["vi missing option"]
    assert usage.returncode == 2
    assert usage.stderr.splitlines()[0] == "Cách dùng: gisplan indicators [OPTIONS]"
    assert "Dùng 'gisplan indicators --help' để xem trợ giúp." in usage.stderr
    assert usage.stderr.splitlines()[-1] == "Lỗi: Thiếu tùy chọn '--out'."

    en = res["en help"]
    assert en.returncode == 0
    for text in ("Usage: gisplan", "Options:", "Commands:", "Show this message and exit.",
                 "layers, indicators and maps of the Thái Nguyên environmental plan to 2030"):
        assert text in " ".join(en.stdout.split())
    assert not any(vi in en.stdout for vi in ("Cách dùng", "Tùy chọn", "Lệnh:", "Hiện trợ giúp", "lớp dữ liệu"))
    assert res["en_lc_all help"].stdout == en.stdout
    flat = " ".join(res["en indicators"].stdout.split())
    assert "Folder for the CSV files, the Excel workbook and the summary. [required]" in flat
    assert "Distance (m) around protected areas for conflicts. [default: 1000.0]" in flat
    fail = res["en missing file"]
    assert fail.returncode == 2
    assert fail.stderr.splitlines() == [f"Error: {missing} does not exist (neither a file nor a folder nor an entry of "
                                        f"the catalog {REPO / 'layers' / 'demo.toml'}); check the path"]
    assert res["en missing option"].stderr.splitlines()[-1] == "Error: Missing option '--out'."


def test_a_run_starts_from_the_english_texts_so_the_language_follows_each_run():
    """Help texts are translated when a run starts, from the English each had first: a
    Vietnamese run and an English run in one process each show their own language."""
    runner = CliRunner()
    vi = runner.invoke(cli, ["print", "--help"], env={"LANGUAGE": None, "LC_ALL": None, "LANG": "vi_VN.UTF-8"})
    en = runner.invoke(cli, ["print", "--help"], env={"LANGUAGE": None, "LC_ALL": None, "LANG": "C.UTF-8"})
    assert "Tệp kết quả .pdf hoặc .png." in vi.output and "Hiện trợ giúp này rồi thoát." in vi.output
    assert "Output .pdf or .png." in en.output and "Show this message and exit." in en.output
    assert "Tệp kết quả" not in en.output and "Hiện trợ giúp" not in en.output
    assert gettext.textdomain() != DOMAIN  # gettext's domain is gisplan's only during a run


def test_vietnamese_run_messages_and_their_placeholders(tmp_path):
    runner = CliRunner()
    env = {"LANGUAGE": None, "LC_ALL": None, "LANG": "vi_VN.UTF-8"}
    out = tmp_path / "bad.txt"
    res = runner.invoke(cli, ["crosswalk", "--out", str(out)], env=env)
    assert res.exit_code == 2
    assert res.output.strip() == f"Lỗi: --out {out}: bảng đối chiếu chỉ ghi ra tệp .csv hoặc .xlsx"
    res = runner.invoke(cli, ["print", "overview", "--out", str(tmp_path / "a.pdf"), "--option", "xã"], env=env)
    assert res.output.strip() == "Lỗi: --option 'xã': ghi theo dạng KHÓA=GIÁ_TRỊ, ví dụ --option commune=02406"
    res = runner.invoke(cli, ["--version"], env=env)
    assert res.output.startswith("gisplan, phiên bản ")


def test_skipped_indicators_are_listed_with_the_vietnamese_reason_under_a_vietnamese_locale(monkeypatch):
    from gisplan.cli.indicators import skipped_reasons
    from gisplan.indicators.results import IndicatorResults

    results = IndicatorResults()
    results.skipped["air_towns"] = "layer 'air_stations' missing from the catalog"
    results.skipped_vi["air_towns"] = "thiếu lớp dữ liệu 'air_stations' trong danh mục"
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    assert i18n.language() == "vi"
    assert skipped_reasons(results) == {"air_towns": "thiếu lớp dữ liệu 'air_stations' trong danh mục"}
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert i18n.language() is None
    assert skipped_reasons(results) == {"air_towns": "layer 'air_stations' missing from the catalog"}


# --- the catalog -------------------------------------------------------------------------------

def test_the_catalog_holds_every_string_of_the_code_translated_and_no_other():
    """Every msgid is still in the code (no stale entry), every translatable string of the code
    (gisplan.cli's _()/N_() texts, the help of every command and option, click's own messages)
    is in the catalog with a translation. `scripts/update_po.py` brings the catalog in line."""
    update = _update_po()
    text = PO.read_text(encoding="utf-8")
    entries, added, dropped = update.updated(read_po(text), "vi")
    assert dropped == [], f"msgids the code no longer has (run scripts/update_po.py): {dropped}"
    assert added == [], f"strings of the code missing from po/vi.po (run scripts/update_po.py): {added}"
    untranslated = [e.key for e in entries[1:] if not e.translated]
    assert untranslated == [], f"untranslated or fuzzy in po/vi.po: {untranslated}"
    assert write_po(entries) == text, "po/vi.po is not as scripts/update_po.py writes it"
    # what the extraction must find (checked independently of it)
    keys = {e.key for e in entries}
    for msgid in ("Usage:", "Options", "Commands", "Error: {message}", "Show this message and exit.",
                  "Missing option", "required", "default: {default}", "Try '{command} {option}' for help.",
                  "skipped {name}: {reason}", "Replace --out if it exists.", "Progress bars."):
        assert msgid in keys, msgid


def test_every_translation_keeps_the_placeholders_of_its_english():
    def fields(text):
        found = {(name, spec, conv) for _lit, name, spec, conv in string.Formatter().parse(text) if name is not None}
        return found | set(re.findall(r"%\(\w+\)s", text))

    for e in read_po(PO.read_text(encoding="utf-8"))[1:]:
        english = fields(e.msgid) | (fields(e.msgid_plural) if e.msgid_plural else set())
        for s in e.msgstr:
            if e.msgid_plural:  # one Vietnamese form for every count: it may use either form's fields
                assert fields(s) <= english, (e.key, s)
            else:
                assert fields(s) == english, (e.key, s)


def test_the_catalog_is_correct_vietnamese_with_its_diacritics():
    entries = {e.msgid: e.msgstr[0] for e in read_po(PO.read_text(encoding="utf-8"))[1:]}
    assert entries["Usage:"] == "Cách dùng:" and entries["Options"] == "Tùy chọn"
    assert entries["Error: {message}"] == "Lỗi: {message}"
    assert "tỷ lệ che phủ rừng" in entries["Forest cover % over the official natural area (area_km2_official) "
                                          "instead of the mapped area."].lower()
    # no Vietnamese text written without its tone marks (a word list of the plan's vocabulary)
    for bare in ("chi tieu", "lop du lieu", "ban do", "danh muc", "rung", "tep"):
        assert not any(re.search(rf"\b{bare}\b", s.lower()) for s in entries.values()), bare


def test_the_compiled_catalog_is_the_po():
    """The .mo gettext loads is po/vi.po compiled (make and pip install compile it)."""
    found = gettext.find(DOMAIN, str(i18n.LOCALE_DIR), languages=["vi"])
    assert found, f"no compiled catalog under {i18n.LOCALE_DIR}: run `make catalogs` or `pip install -e .`"
    assert Path(found).read_bytes() == mo_bytes(read_po(PO.read_text(encoding="utf-8"))), \
        "the compiled catalog is older than po/vi.po: run `make catalogs`"


def test_text_built_inside_the_marker_is_refused(tmp_path):
    update = _update_po()
    src = tmp_path / "cmd.py"
    src.write_text('x = 1\nprint(_(f"wrote {x}"))\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"cmd.py:2: _\(\) of a text built in the call"):
        update.source_messages(src, strict=True)
    src.write_text('LABEL = N_("layer")\nprint(_(LABEL), _("a {x}").format(x=1))\n', encoding="utf-8")
    assert update.source_messages(src, strict=True) == ["layer", "a {x}"]


# --- the .po reader and .mo writer ------------------------------------------------------------

def test_po_round_trip_and_mo_read_by_gettext():
    entries = [
        Entry("", ["Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n"]),
        Entry("Usage:", ["Cách dùng:"], comments=["#: click/formatting.py"]),
        Entry('a "quoted"\ttab\nand a second line', ['"trích"\tdẫn\nvà dòng hai']),
        Entry("{n} file", ["{n} tệp"], "{n} files"),
        Entry("not yet", [""]),
        Entry("doubtful", ["còn ngờ"], comments=["#, fuzzy"]),
    ]
    text = write_po(entries)
    assert read_po(text) == entries
    assert 'msgid ""\n"a \\"quoted\\"\\ttab\\n"\n"and a second line"' in text
    t = gettext.GNUTranslations(io.BytesIO(mo_bytes(entries)))
    assert t.gettext("Usage:") == "Cách dùng:"
    assert t.gettext('a "quoted"\ttab\nand a second line') == '"trích"\tdẫn\nvà dòng hai'
    assert t.ngettext("{n} file", "{n} files", 1) == t.ngettext("{n} file", "{n} files", 5) == "{n} tệp"
    assert t.gettext("not yet") == "not yet"  # untranslated: the English
    assert t.gettext("doubtful") == "doubtful"  # fuzzy: left out, as msgfmt does


def test_po_reader_names_the_line_of_a_malformed_catalog():
    with pytest.raises(ValueError, match="line 2: expected a quoted string"):
        read_po('msgid "a"\nmsgstr b\n')
    with pytest.raises(ValueError, match="line 1: expected msgid"):
        read_po('msgstr "a"\n')
