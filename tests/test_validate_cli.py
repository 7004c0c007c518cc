"""End-to-end tests of ``kg validate``: the real command in a subprocess, on files in tmp_path.

Exit codes: 0 conforms, 1 violations (report on stdout, grouped by node), 2 unreadable input
(one line on stderr). No input may ever produce a Python traceback.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import rdflib

from tests.conftest import run_kg

PREFIXES = """\
@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""
U4SSC = "https://w3id.org/smartcity-kg/id/framework/u4ssc"
U4SSC_DIMENSION = "https://w3id.org/smartcity-kg/id/u4ssc/dimension-EC"
U4SSC_OWNER = "https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C"  # has code "SC: SH: SI: 4C"
DEMO = "https://example.org/fw/demo"
DEMO_DIMENSION = "https://example.org/fw/demo/dimension-A"
DEMO_FRAMEWORK_TTL = f"""\
<{DEMO}> a sck:Framework ;
    dcterms:identifier "demo" ;
    skos:prefLabel "Demo framework"@en ;
    dcterms:source <https://example.org/demo.pdf> .

<{DEMO_DIMENSION}> a sck:Dimension ;
    skos:inScheme <{DEMO}> ;
    skos:prefLabel "Demo dimension"@en .
"""


def kg_validate(*files: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``kg validate FILES`` and check the invariant of every run: no traceback, ever."""
    result = run_kg("validate", *map(str, files), timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def write(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def indicator(
    iri: str,
    *,
    scheme: str = U4SSC,
    dimension: str = U4SSC_DIMENSION,
    code: str = "ZZ: 1C",
    label: str | None = "Test indicator",
    tier: str | None = "sck:Core",
) -> str:
    """Turtle for one indicator, complete unless a property is set to None."""
    lines = [
        f"<{iri}> a sck:Indicator",
        f"skos:inScheme <{scheme}>",
        f"sck:dimension <{dimension}>",
        "dcterms:source <https://example.org/source.pdf>",
        f"skos:notation {json.dumps(code)}",
        f"skos:prefLabel {json.dumps(label)}@en" if label is not None else None,
        f"sck:tier {tier}" if tier is not None else None,
    ]
    return " ;\n    ".join(line for line in lines if line is not None) + " .\n"


def node_report(stdout: str, iri: str) -> list[str]:
    """The report's lines for one focus node: its heading, then one '  - ' line per problem."""
    blocks = [block.splitlines() for block in stdout.split("\n\n")]
    matches = [block for block in blocks if block[0].startswith(f"{iri} ")]
    assert len(matches) == 1, f"{iri} is not reported exactly once in:\n{stdout}"
    return matches[0]


def test_bundled_graph_conforms() -> None:
    result = kg_validate()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Conforms"), result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("name", "overrides", "path", "fragment"),
    [
        ("notier", {"tier": None}, "sck:tier", "needs exactly one tier"),
        (
            "gold",
            {"tier": "sck:Gold"},
            "sck:tier",
            "is one of sck:Core, sck:Advanced or sck:Supporting. [value: sck:Gold]",
        ),
        ("twotiers", {"tier": "sck:Core, sck:Advanced"}, "sck:tier", "The indicator has more than one tier (sck:tier)"),
        ("nolabel", {"label": None}, "skos:prefLabel", "needs exactly one English name"),
        (
            "duplicate",
            {"code": "SC: SH: SI: 4C"},
            "(node)",
            f"is used by another indicator of the same framework ({U4SSC_OWNER})",
        ),
    ],
    ids=["no-tier", "unknown-tier", "two-tiers", "no-label", "duplicate-code"],
)
def test_bad_u4ssc_indicator_is_reported(tmp_path: Path, name: str, overrides: dict, path: str, fragment: str) -> None:
    iri = f"https://example.org/fw/{name}"
    file = write(tmp_path, "bad.ttl", PREFIXES + indicator(iri, **overrides))
    result = kg_validate(file)
    assert result.returncode == 1, result.stdout + result.stderr
    # A duplicate code also flags the bundled indicator that owns it, pointing back at the newcomer.
    nodes = 2 if name == "duplicate" else 1
    assert result.stdout.startswith(f"Does not conform: {nodes} violation(s) on {nodes} node(s)."), result.stdout
    heading, *problems = node_report(result.stdout, iri)
    assert heading.endswith(f"  (in {file})")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"  - {path}: "), problems[0]
    assert fragment in problems[0], problems[0]
    if name == "duplicate":
        assert f"({iri})" in node_report(result.stdout, "u4ssc:SC-SH-SI-4C")[1]


def test_duplicate_code_in_own_framework_names_both_indicators(tmp_path: Path) -> None:
    first, second = "https://example.org/fw/demo/first", "https://example.org/fw/demo/second"
    indicators = [indicator(iri, scheme=DEMO, dimension=DEMO_DIMENSION, code="D: 1") for iri in (first, second)]
    path = write(tmp_path, "demo.ttl", PREFIXES + DEMO_FRAMEWORK_TTL + "\n".join(indicators))
    result = kg_validate(path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("Does not conform: 2 violation(s) on 2 node(s)."), result.stdout
    for this, other in [(first, second), (second, first)]:
        heading, *problems = node_report(result.stdout, this)
        assert heading.endswith(f"  (in {path})")
        assert problems == [
            f"  - (node): The code D: 1 is used by another indicator of the same framework ({other}); "
            "give each indicator its own code. [value: 'D: 1']"
        ]


def test_own_framework_with_distinct_codes_conforms(tmp_path: Path) -> None:
    indicators = [
        indicator(f"https://example.org/fw/demo/{name}", scheme=DEMO, dimension=DEMO_DIMENSION, code=code)
        for name, code in [("first", "D: 1"), ("second", "D: 2")]
    ]
    path = write(tmp_path, "demo.ttl", PREFIXES + DEMO_FRAMEWORK_TTL + "\n".join(indicators))
    result = kg_validate(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"Conforms: {path} satisfies every shape.\n"


@pytest.mark.slow
def test_dimension_of_another_framework_is_reported(tmp_path: Path) -> None:
    iri = "https://example.org/fw/demo/borrowed-dimension"
    body = DEMO_FRAMEWORK_TTL + indicator(iri, scheme=DEMO, dimension=U4SSC_DIMENSION)
    path = write(tmp_path, "demo.ttl", PREFIXES + body)
    result = kg_validate(path)
    assert result.returncode == 1, result.stdout + result.stderr
    _heading, *problems = node_report(result.stdout, iri)
    assert problems == [
        f"  - (node): The dimension {U4SSC_DIMENSION} does not belong to this indicator's framework; use one of "
        "the framework's own dimensions (skos:inScheme the same framework). [value: u4ssc:dimension-EC]"
    ]


def assert_input_error(result: subprocess.CompletedProcess[str], path: Path) -> str:
    """Exit 2, nothing on stdout, and one line on stderr that starts with the file name."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"kg: {path}"), lines[0]
    return lines[0]


def test_turtle_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = PREFIXES.splitlines()[0] + "\n<https://example.org/a> sck:p sck:o .\n<https://example.org/b> sck:p garbage\n"
    path = write(tmp_path, "broken.ttl", text)
    message = assert_input_error(kg_validate(path), path)
    assert message.startswith(f"kg: {path}:3:"), message
    assert "Turtle syntax error" in message


def test_invalid_utf8_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.ttl", b'@prefix ex: <https://example.org/> .\nex:a ex:b "caf\xff\xfe" .\n')
    message = assert_input_error(kg_validate(path), path)
    assert message.startswith(f"kg: {path}:2: not UTF-8"), message


def test_rdf12_triple_term_is_refused_in_one_sentence(tmp_path: Path) -> None:
    path = write(tmp_path, "star.ttl", PREFIXES + "<< sck:a sck:b sck:c >> sck:d sck:e .\n")
    message = assert_input_error(kg_validate(path), path)
    assert "RDF 1.2 triple terms" in message


def test_a_folder_is_named_as_a_folder(tmp_path: Path) -> None:
    message = assert_input_error(kg_validate(tmp_path), tmp_path)
    assert "is a folder, not a file" in message


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "absent.ttl"
    message = assert_input_error(kg_validate(path), path)
    assert "no such file" in message


RDF_XML_HEAD = '<?xml version="1.0"?>\n'
RDF_XML_BODY = """\
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">
  <rdf:Description rdf:about="https://example.org/a"><ex:p>&{entity};</ex:p></rdf:Description>
</rdf:RDF>
"""


def test_entity_bomb_is_refused_quickly(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = "<!DOCTYPE rdf:RDF [\n" + "\n".join(entities) + "\n]>\n"
    path = write(tmp_path, "bomb.rdf", RDF_XML_HEAD + doctype + RDF_XML_BODY.format(entity="lol9"))
    message = assert_input_error(kg_validate(path, timeout=10), path)
    assert "refused" in message


def test_external_entity_is_not_read(tmp_path: Path) -> None:
    doctype = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    path = write(tmp_path, "xxe.rdf", RDF_XML_HEAD + doctype + RDF_XML_BODY.format(entity="x"))
    result = kg_validate(path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "root:" not in result.stdout + result.stderr


# Written by rdflib from indicator()'s Turtle, so each file is what a common tool would produce.
RDFLIB_FORMATS = {"nt": "nt", "jsonld": "json-ld", "rdf": "xml"}


@pytest.mark.parametrize("extension", sorted(RDFLIB_FORMATS))
def test_valid_indicator_in_other_formats_conforms(tmp_path: Path, extension: str) -> None:
    framework = write(tmp_path, "demo.ttl", PREFIXES + DEMO_FRAMEWORK_TTL)
    turtle = PREFIXES + indicator(f"https://example.org/fw/demo/{extension}", scheme=DEMO, dimension=DEMO_DIMENSION)
    text = rdflib.Graph().parse(data=turtle, format="turtle").serialize(format=RDFLIB_FORMATS[extension])
    assert "<!DOCTYPE" not in text
    data = write(tmp_path, f"indicator.{extension}", text)
    result = kg_validate(framework, data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"Conforms: {framework}, {data} satisfy every shape.\n"


def test_unknown_extension_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", PREFIXES)
    message = assert_input_error(kg_validate(path), path)
    assert "unknown RDF file type '.txt'" in message
