"""Write the SDG framework's 2025 edition (data/frameworks/sdg-2025/) from its source table and the 2019 sheet.

    python scripts/build_sdg_edition.py                       # sheet, description, edition links
    python scripts/build_sdg_edition.py --source GIF.csv --open-sdg global_indicators.yml
                                                              # first rebuild data/reference/sdg-gif-2025.tsv

The source table (data/reference/sdg-gif-2025.tsv) holds every row of the UN Statistics Division's
"Global indicator framework ... after the 2025 review" (read from a CSV export of its English
workbook) with the UNSD indicator code and whether the Open SDG project's English names agree.

Participation coding is carried over from the 2019 sheet (data/frameworks/sdg-participation/
sdg-participation.csv) by identical indicator text: a 2025 indicator whose name is, word for word,
the name of a 2019 indicator takes that row's aspects, measure, evidence, coding note and status
(the row with the same code first, else the first such row). Re-running the script after the 2019
sheet's coding changes carries the changes over. Indicators new in the 2025 edition, or reworded,
are coded in NEW_CODING below (an aspect only where their own text measures participation).

Then regenerate the edition's Turtle with
    kg import data/frameworks/sdg-2025/sdg-2025.csv --framework sdg-2025 --out data/frameworks/sdg-2025/sdg-2025.ttl
"""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference" / "sdg-gif-2025.tsv"
OLD_SHEET = ROOT / "data" / "frameworks" / "sdg-participation" / "sdg-participation.csv"
KOS = ROOT / "data" / "reference" / "sdg-kos.tsv"
OUT = ROOT / "data" / "frameworks" / "sdg-2025"

UN_LIST = "https://unstats.un.org/sdgs/indicators/Global-Indicator-Framework-after-2025-review-English.pdf"
UN_LIST_TITLE = "UN Statistics Division: Global indicator framework after the 2025 comprehensive review (English)"
COPY = (
    "https://github.com/mahnoor-zamir/sdg-framework/blob/d0ac92ddfab32af9920c18e6b00a6bff6544cd8e/"
    "data/raw/Global-Indicator-Framework-after-2025-review-English%20-%20A.RES.71.313%20Annex.csv"
)
OPEN_SDG = (
    "https://github.com/open-sdg/sdg-translations/blob/0cda585851a5c6f04040a9a2755fbb4496c4eead/"
    "translations/en/global_indicators.yml"
)
# Footnote marks printed after a word in the document (its footnotes 3 and 4), not part of the text.
FOOTNOTES = {"Goal 13": "impacts3", "17.6.1": "speed4"}
REFERENCE_COLUMNS = ("code", "unsd_code", "goal", "target", "name", "name_source", "open_sdg")
SHEET_COLUMNS = (
    "code", "name", "dimension", "sub_dimension", "category", "tier", "aspects", "sdg", "measure",
    "source", "source_title", "page", "evidence", "coding_note", "coded", "rules", "dimension_code",
    "sub_dimension_code",
)  # fmt: skip
CARRIED = ("aspects", "measure", "evidence", "coding_note", "coded", "rules")

# New or reworded indicators of the 2025 edition, coded by smartcity-kg from their own text (2026-12-08).
# None of the 70 (10 new codes, 60 reworded) measures people taking part in public decisions: each is
# negative, its note naming what its text measures. A positive decision would be listed here as
# code -> (aspects, note citing the words of the text that measure participation).
NEW_CODING: dict[str, tuple[str, str]] = {}
# The codebook rule (data/schemes/coding-rules.ttl) that decides each new code's negative, read from its
# text as the 2019 sheet's rules read its nearest indicators (2.2.1, 3.d.1, 4.1.1, 11.5.2, 16.3.1).
NEW_RULES = {
    "2.2.3": "exclude-outcome",  # prevalence of anaemia: a condition of people
    "2.2.4": "exclude-outcome",  # prevalence of minimum dietary diversity
    "3.d.2": "exclude-outcome",  # bloodstream infections due to resistant organisms
    "4.1.2": "exclude-outcome",  # completion rate, as 4.1.1's proficiency
    "10.4.2": "exclude-state-action",  # the redistributive impact of fiscal policy: what governments do
    "10.7.3": "exclude-outcome",  # people who died or disappeared in migration
    "10.7.4": "exclude-outcome",  # refugees by country of origin
    "11.5.3": "exclude-outcome",  # damage and disruptions attributed to disasters, as 11.5.2
    "13.2.2": "exclude-outcome",  # greenhouse gas emissions
    "16.3.3": "exclude-service",  # access to a dispute resolution mechanism, as 16.3.1's reporting
}


# What a negative decided by each rule is, in the words the 2019 sheet's notes use.
GLOSS = {
    "exclude-outcome": "a condition of people, places, the economy or the environment, not citizens taking part "
    "in public decisions.",
    "exclude-state-action": "what governments or states spend, adopt, enforce or report, with no role for residents "
    "in it.",
    "exclude-service": "the supply, use or performance of a service or infrastructure, not citizens taking part "
    "in public decisions.",
}


def new_decision(code: str, name: str, before: dict[str, str] | None = None) -> tuple[str, str, str]:
    """The coding of an indicator new or reworded in the 2025 edition (aspects, note, rules): NEW_CODING, else
    negative, by NEW_RULES for a new code and, for a reworded one, by the rule and reason of its 2019 negative;
    the note quotes the indicator's own text (the codebook's rule measure-not-aim)."""
    if code in NEW_CODING:
        return *NEW_CODING[code], ""
    negative = before is not None and not before["aspects"]
    rules = NEW_RULES.get(code) or (before["rules"] if before is not None and negative else "")
    if not rules:
        raise SystemExit(f"{code}: no codebook rule decides its coding; add it to NEW_RULES or NEW_CODING")
    reason = before["coding_note"].split('": ', 1)[1] if negative and '": ' in before["coding_note"] else GLOSS[rules]
    measure = name if name.istitle() else name[0].lower() + name[1:]
    return "", f'Measures "{measure}": {reason}', rules


def _words(text: str) -> str:
    return " ".join(text.split())


def read_un_list(path: Path) -> list[dict[str, str]]:
    """The indicator rows of the UN document's CSV export: code, UNSD code, goal, target, name."""
    rows: list[dict[str, str]] = []
    goal = target = ""
    with path.open(encoding="utf-8", newline="") as handle:
        for cells in csv.reader(handle):
            cells = [*cells, "", "", "", ""][:4]
            left, indicator, unsd = _words(cells[1]), _words(cells[2]), cells[3].strip()
            if left.startswith("Goal "):
                number, _, text = left.partition(". ")
                text = text.removesuffix("3") if number == "Goal 13" and text.endswith(FOOTNOTES["Goal 13"]) else text
                goal = f"{number}: {text}"
            elif match := re.match(r"^(\d+\.[0-9a-z]+) (.*)$", left):
                target = f"Target {match.group(1)}: {match.group(2)}"
            found = re.match(r"^(\d+\.[0-9a-z]+\.\d+) (.*)$", indicator)
            if not found:
                continue
            code, name = found.groups()
            if code in FOOTNOTES and name.endswith(FOOTNOTES[code]):
                name = name[:-1]
            rows.append({"code": code, "unsd_code": unsd, "goal": goal, "target": target, "name": name})
    return rows


def read_open_sdg(path: Path) -> dict[str, str]:
    """Open SDG's English indicator names by code (1-1-1-title: ... -> 1.1.1), folded lines joined."""
    names: dict[str, str] = {}
    key = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^([0-9a-z-]+)-title: (.*)$", line):
            key = match.group(1).replace("-", ".")
            names[key] = match.group(2)
        elif key and line.startswith("  "):
            names[key] += " " + line.strip()
    return {code: _words(name.strip("'\"")) for code, name in names.items()}


def build_reference(source: Path, open_sdg: Path) -> None:
    """Rebuild the source table from the UN document's CSV and the Open SDG names."""
    second = read_open_sdg(open_sdg)
    rows = read_un_list(source)
    for row in rows:
        row["name_source"] = UN_LIST
        other = second.get(row["code"])
        row["open_sdg"] = "absent" if other is None else ("agrees" if other == row["name"] else "differs")
    _write(REFERENCE, REFERENCE_COLUMNS, rows, delimiter="\t")


def _write(path: Path, columns: Iterable[str], rows: list[dict[str, str]], delimiter: str = ",") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), delimiter=delimiter, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_reference() -> list[dict[str, str]]:
    """The source table's rows, in the document's order."""
    with REFERENCE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def read_old_sheet() -> list[dict[str, str]]:
    """The 2019 edition's sheet rows."""
    with OLD_SHEET.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def carried_row(code: str, name: str, old: list[dict[str, str]]) -> dict[str, str] | None:
    """The 2019 row whose decision a 2025 indicator carries: identical text, same code first."""
    same = [row for row in old if _words(row["name"]) == name]
    return next((row for row in same if row["code"] == code), same[0] if same else None)


def sheet_rows(reference: list[dict[str, str]], old: list[dict[str, str]]) -> list[dict[str, str]]:
    """The 2025 edition's sheet: one row per indicator code, coding carried over or from NEW_CODING."""
    with KOS.open(encoding="utf-8", newline="") as handle:
        known = {row["code"] for row in csv.DictReader(handle, delimiter="\t")}
    rows, decided = [], {}  # decided: a new or reworded text's decision, for its repeats under other targets
    for ref in reference:
        code, name = ref["code"], ref["name"]
        target = ref["target"].split(":")[0].removeprefix("Target ")
        goal = ref["goal"].split(":")[0].removeprefix("Goal ")
        row = dict.fromkeys(SHEET_COLUMNS, "")
        row.update(code=code, name=name, dimension=ref["goal"], sub_dimension=ref["target"])
        row.update(dimension_code=goal, sub_dimension_code=target)  # the groupings' IRIs are minted from these
        row.update(sdg=";".join(n for n in (target, code) if n in known), source=UN_LIST, source_title=UN_LIST_TITLE)
        before = carried_row(code, name, old)
        if before is not None:
            row.update({column: before[column] for column in CARRIED})
        else:
            predecessor = next((r for r in old if r["code"] == RENUMBERED.get(code, code)), None)
            aspects, note, rules = decided.setdefault(name, new_decision(code, name, predecessor))
            row.update(aspects=aspects, coding_note=note, coded="reviewed", rules=rules)
        rows.append(row)
    return rows


# The document's footnote 4: "The current indicator 17.6.1 was previously listed as 17.6.2."
RENUMBERED = {"17.6.1": "17.6.2"}
ID = "https://w3id.org/smartcity-kg/id/"
REVIEWS = {
    "sdg-2020-2024": (
        "2020 comprehensive review and annual refinements 2021-2024 of the SDG global indicator framework",
        "https://mdgs.un.org/sdgs/iaeg-sdgs/2020-comp-rev",
        "Changes listed in E/CN.3/2020/2 (Annexes II and III), E/CN.3/2021/2, E/CN.3/2022/2, decision 53/101, "
        "E/CN.3/2023/2 and E/CN.3/2024/4, as the 2025 list's note names them. smartcity-kg credits a change to this "
        "round when the indicator's 2025 text is already Open SDG's English name "
        "(November 2024, before the 2025 review).",
    ),
    "sdg-2025": (
        "2025 comprehensive review and 2025 annual refinements of the SDG global indicator framework",
        "https://unstats.un.org/sdgs/iaeg-sdgs/2025-comprehensive-review/",
        "Changes contained in E/CN.3/2025/6 (Annex II: comprehensive review; Annex I: refinements), as the 2025 "
        "list's note names them. smartcity-kg credits a change to this round when Open SDG's English name "
        "(November 2024) differs from the 2025 text or is absent.",
    ),
}


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@en'


def _iri(framework: str, code: str) -> str:
    return f"<{ID}{framework}/{code.replace('.', '-')}>"


def edition_links(reference: list[dict[str, str]], old: list[dict[str, str]]) -> str:
    """Turtle: the edition chain, the reviews and each indicator's change between 2019 and 2025."""
    old_by_code = {row["code"]: _words(row["name"]) for row in old}
    new_codes = {ref["code"] for ref in reference}
    lines = [
        "# Generated by scripts/build_sdg_edition.py from data/reference/sdg-gif-2025.tsv and the 2019 sheet.",
        "@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix prov: <http://www.w3.org/ns/prov#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "",
        f'<{ID}framework/sdg-2025> owl:versionInfo "2025" ; prov:wasRevisionOf <{ID}framework/sdg-participation> .',
        f'<{ID}framework/sdg-participation> owl:versionInfo "2019" .',
    ]
    for key, (label, page, comment) in REVIEWS.items():
        lines.append(
            f"<{ID}review/{key}> a sck:FrameworkReview ; rdfs:label {_literal(label)} ; "
            f"dcterms:source <{page}> ; rdfs:comment {_literal(comment)} ."
        )
    for ref in reference:
        code, name = ref["code"], ref["name"]
        new = _iri("sdg-2025", code)
        round_ = f"<{ID}review/{'sdg-2020-2024' if ref['open_sdg'] == 'agrees' else 'sdg-2025'}>"
        earlier = RENUMBERED.get(code, code)
        if earlier not in old_by_code:
            lines.append(f"{new} sck:change sck:IndicatorAdded ; sck:changedBy {round_} .")
            continue
        before = _iri("sdg-participation", earlier)
        lines.append(f"{new} prov:wasRevisionOf {before} .")
        if earlier != code or old_by_code[earlier] != name:
            change = "sck:IndicatorRenumbered" if earlier != code else "sck:IndicatorReworded"
            lines.append(f"{new} dcterms:replaces {before} ; sck:change {change} ; sck:changedBy {round_} .")
            lines.append(
                f"{before} dcterms:isReplacedBy {new} ; owl:deprecated true ; "
                f"sck:change {change} ; sck:changedBy {round_} ."
            )
    continued = {RENUMBERED.get(ref["code"], ref["code"]) for ref in reference}
    for code in old_by_code:
        if code not in continued:
            # Deleted: which review is not told by the sources read, except where its code was reused.
            by = " ; sck:changedBy <" + ID + "review/sdg-2025>" if code in new_codes else ""
            lines.append(
                f"{_iri('sdg-participation', code)} owl:deprecated true ; sck:change sck:IndicatorDeleted{by} ."
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="the UN document's CSV export (rebuilds the source table)")
    parser.add_argument("--open-sdg", type=Path, help="Open SDG's translations/en/global_indicators.yml")
    args = parser.parse_args()
    if args.source:
        build_reference(args.source, args.open_sdg)
    rows = sheet_rows(read_reference(), read_old_sheet())
    _write(OUT / "sdg-2025.csv", SHEET_COLUMNS, rows)
    (OUT / "sdg-2025-editions.ttl").write_text(edition_links(read_reference(), read_old_sheet()), encoding="utf-8")


if __name__ == "__main__":
    main()
