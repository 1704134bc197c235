"""The representatives' pages, emails and messages are in English, Afrikaans and isiXhosa: every
string marked for translation is in both catalogues, translated (nothing empty or fuzzy), the
compiled .mo files match the .po files, and the representatives' templates hold no text outside
Django's translation tags."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ("af", "xh")
TEMPLATES = ROOT / "templates"
# What a representative reads: their pages, the fragments pushed to them, their emails.
REPRESENTATIVE_TEMPLATES = [
    "base.html",
    "includes/field.html",
    "includes/form.html",
    "reports/new.html",
    "reports/detail.html",
    "reports/_detail_live.html",
    "reports/_status.html",
    "reports/_updates.html",
    "reports/list.html",
    "reports/_list.html",
    "reports/_row.html",
    "reports/cannot_report.html",
    "cwg/portal.html",
    "cwg/_status.html",
    "cwg/language.html",
    "cwg/email/set_password.txt",
    "alerts/_current.html",
    "alerts/_portal_list.html",
    "alerts/_banner.html",
    "alerts/portal.html",
    "alerts/past.html",
    "alerts/email.txt",
    "alerts/email_subject.txt",
    "exercises/_request.html",
    "exercises/_requests.html",
]
# Words that are the same in every language: names and codes.
UNTRANSLATED = {"Watchline", "JOC", "CAP"}
GETTEXT_CALLS = {"gettext", "gettext_lazy", "gettext_noop", "_", "_lazy", "pgettext"}


def _unquote(text):
    return ast.literal_eval(text)


def catalogue(language):
    """{msgid: (msgstr, fuzzy)} of a .po file, header left out."""
    text = (ROOT / "locale" / language / "LC_MESSAGES" / "django.po").read_text("utf-8")
    entries = {}
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        parts, current = {"msgid": [], "msgstr": []}, None
        for line in lines:
            if line.startswith("#"):
                continue
            keyword, _, rest = line.partition(" ")
            if keyword in parts:
                current = keyword
                line = rest
            if current and line.startswith('"'):
                parts[current].append(_unquote(line))
        msgid = "".join(parts["msgid"])
        if msgid:
            entries[msgid] = ("".join(parts["msgstr"]), fuzzy)
    return entries


def marked_in_templates():
    """The msgids of every template, as makemessages finds them (Django's own templatize)."""
    found = set()
    for path in TEMPLATES.rglob("*"):
        if path.suffix not in (".html", ".txt") or not path.is_file():
            continue
        code = templatize(path.read_text("utf-8"), origin=str(path))
        for match in re.finditer(r"\bgettext\((u?'(?:[^'\\]|\\.)*')\)", code):
            found.add(_unquote(match.group(1)))
    return found


def marked_in_python():
    found = set()
    for folder in ("watchline", "cwg", "reports", "alerts", "joc", "exercises"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", None) in GETTEXT_CALLS
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_in_the_catalogue_and_translated(language):
    entries = catalogue(language)
    marked = marked_in_templates() | marked_in_python()
    # Templates double a literal "%" for gettext; the catalogue holds them doubled too.
    missing = sorted(m for m in marked if m not in entries and m.replace("%", "%%") not in entries)
    assert missing == [], f"not in locale/{language}: run `make messages` and translate"
    untranslated = sorted(m for m, (text, fuzzy) in entries.items() if not text or fuzzy)
    assert untranslated == [], f"empty or fuzzy in locale/{language}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file(language):
    with open(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo", "rb") as compiled:
        mo = gettext.GNUTranslations(compiled)._catalog
    po = {msgid: text for msgid, (text, _fuzzy) in catalogue(language).items()}
    assert {k: v for k, v in mo.items() if k} == po, "run `make messages` to compile it"


def text_outside_translation(source):
    """What a reader would see that is not inside a translation tag or a variable."""
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    source = re.sub(r"\{% comment %\}.*?\{% endcomment %\}", " ", source, flags=re.S)
    source = re.sub(r"\{% blocktranslate.*?\{% endblocktranslate %\}", " ", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    # Attributes a person reads or hears stay; every other attribute and the tags go.
    spoken = re.findall(r'(?:aria-label|alt|title|placeholder)="([^"]*)"', source)
    source = re.sub(r"<[^>]*>", " ", source)
    words = re.findall(r"[A-Za-z][A-Za-z'’]*", " ".join([source, *spoken]))
    return [w for w in words if w not in UNTRANSLATED and not w.startswith("http")]


@pytest.mark.parametrize("name", REPRESENTATIVE_TEMPLATES)
def test_representative_templates_hold_no_text_outside_translation(name):
    assert text_outside_translation((TEMPLATES / name).read_text("utf-8")) == []


def test_the_check_itself_finds_untranslated_text():
    assert text_outside_translation('<p class="x">{% translate "Hi" %} Hello</p>') == ["Hello"]
    assert text_outside_translation('<img alt="A photo" src="{{ url }}">') == ["A", "photo"]
    assert text_outside_translation("{% blocktranslate %}Hi {{ x }}{% endblocktranslate %}") == []
