"""Header aliases and value maps: how a college's own wording meets the contract.

The mappings are data in the contract (``talentlab/data/contract/datapackage.json``): every field of a
record table lists its ``aliases`` and, where useful, ``valueMaps``, each keyed by the id of its
source (``import.sources``: the Ministry of Education destination categories, their numeric codes,
the MyCOS survey categories, questionnaire conventions, or a talentlab decision). A user's
``mapping.yaml``/``.toml`` adds aliases, value maps, constants, table assignments and the data set's
origin (:func:`load_mapping_file`). :class:`Mappings` merges both and answers two questions:
*which field is this header?* and *which contract value is this cell?*

Matching ignores case, full-/half-width forms (NFKC), spaces, ``_``/``-``, a questionnaire's
question number (``4、``, ``Q4.``) and a trailing unit in brackets (``岗位适应期（月）``). A header
equal to an alias after that normalisation is an *exact* match; a header that matches only once a
bracketed tail is dropped from one side (``岗位适应期（月）`` against the alias ``岗位适应期``) is a
*normalised* match, and an exact match always beats a normalised one. Two headers whose bracketed
tails differ (``第6题(阅读)``, ``第6题(运动)``) never match each other.

A mapping file can also *derive* a field from several columns (``derive``: e.g. a register's 目标 +
状态 into ``destination``), with rules tried in the order written (:class:`DerivedField`).

A mapping file is bounded: at most :data:`MAX_MAPPING_BYTES` bytes, and after parsing at most
:data:`MAX_MAPPING_NODES` values counting every expansion of a YAML alias (``*a``) and at most
:data:`MAX_MAPPING_DEPTH` levels of nesting, so that a small file of nested anchors (a "billion
laughs") is refused at once instead of expanding without end.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from talentlab.data.schema import (
    FALSE_TOKENS,
    RECORD_TABLES,
    TRUE_TOKENS,
    shared_contract,
)

USER_SOURCE = "mapping file"
#: The table of published rates (the per-major tables of a 就业质量年度报告), imported beside the
#: record tables.
PUBLISHED_RATES = "published_rates"
#: The tables ``talentlab import`` recognises, in the order a header row is tried against them:
#: the record tables first, so that a count table's header (专业, 届别, 人数), which fits
#: ``published_rates`` as well (major, cohort, n), is read as the graduates table it is.
IMPORT_TABLES = RECORD_TABLES + (PUBLISHED_RATES,)
#: Source id of :data:`PUBLISHED_RATE_ALIASES`.
PUBLISHED_REPORTS_SOURCE = "published_reports"
#: Headers of the rate in the published tables of employment quality reports (就业质量年度报告):
#: 就业率 (used until the 2022 reports), 毕业去向落实率 (its name since then) and the short
#: 落实率; the contract's own aliases (比率, rate …) rank before them. 毕业生人数 and 人数 are
#: ``n`` through the contract's aliases.
PUBLISHED_RATE_ALIASES = {"rate": ["就业率", "毕业去向落实率", "落实率", "初次就业率"]}
#: Largest mapping file read, in bytes (a mapping of aliases and value maps is a few KiB).
MAX_MAPPING_BYTES = 512 * 1024
#: Most values a parsed mapping may hold, every expansion of a YAML alias counted.
MAX_MAPPING_NODES = 100_000
#: Deepest nesting of a parsed mapping (the documented format needs 5 levels).
MAX_MAPPING_DEPTH = 20
#: How the parts of a derived field's combination are joined (in reports and ``_original``).
DERIVE_JOIN = " + "
#: A part of a ``derive`` rule that matches any value (an empty cell too).
DERIVE_ANY = "*"
#: A survey question's number before a header (``3.``, ``Q3)``, ``第3题、``), dropped when matching.
QUESTION_NUMBER = re.compile(r"^\s*(?:q|第)?\s*\d{1,3}\s*(?:题)?\s*[、.．:：)）\]]\s*", re.IGNORECASE)
#: A bracketed unit or note after a header (``（月）``, ``(hours)``), dropped when matching.
UNIT_SUFFIX = re.compile(r"\s*[(（\[【][^()（）\[\]【】]*[)）\]】]\s*$")
_DROP = re.compile(r"[\s_\-*＊:：?？。.,，/\\'\"“”‘’]+")


def _spec(table: str) -> dict[str, dict]:
    """Fields of a contract table, read-only (no copy: called per cell)."""
    for res in shared_contract()["resources"]:
        if res["name"] == table:
            return {f["name"]: f for f in res["schema"]["fields"]}
    raise KeyError(table)


class MappingError(ValueError):
    """A mapping file that cannot be used: names the file, the key and what is wrong."""


def header_keys(text: str) -> list[str]:
    """Normalised keys a header can match: with and without a trailing unit in brackets.

    Examples
    --------
    >>> header_keys("4、岗位适应期（月）")
    ['岗位适应期(月)', '岗位适应期']
    >>> header_keys(" Student_ID ")
    ['studentid']
    """
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = QUESTION_NUMBER.sub("", t)
    keys = [_DROP.sub("", t)]
    bare = UNIT_SUFFIX.sub("", t)
    if bare != t and _DROP.sub("", bare):
        keys.append(_DROP.sub("", bare))
    return [k for k in dict.fromkeys(keys) if k]


def _full_and_bare_key(text: str) -> tuple[str, str | None]:
    """``(key, key without the trailing bracketed tail)`` of a header or alias; the second is
    ``None`` when there is no such tail."""
    keys = header_keys(text)
    if not keys:
        return "", None
    return keys[0], (keys[1] if len(keys) > 1 else None)


def value_key(text: str) -> str:
    """Normalised key of a cell value (NFKC, lower case, no spaces).

    Examples
    --------
    >>> value_key(" 出国（境） ") == value_key("出国(境)")
    True
    """
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"\s+", " ", t).replace(" ", "") if re.search(r"[\u4e00-\u9fff]", t) else \
        re.sub(r"[\s_\-]+", " ", t).strip()


def _target_text(fdesc: dict, target: object, where: str) -> str:
    """The contract text of a mapped value (validated against the field's type and levels)."""
    ftype = fdesc["type"]
    if ftype == "boolean":
        if isinstance(target, bool):
            return "true" if target else "false"
        low = str(target).strip().lower()
        if low in TRUE_TOKENS:
            return "true"
        if low in FALSE_TOKENS:
            return "false"
        raise MappingError(f"{where}: {target!r} is not true/false")
    if ftype in ("integer", "number"):
        try:
            num = float(target)
        except (TypeError, ValueError):
            raise MappingError(f"{where}: {target!r} is not a number") from None
        if ftype == "integer" and not num.is_integer():
            raise MappingError(f"{where}: {target!r} is not a whole number")
        return str(int(num)) if num.is_integer() else repr(num)
    enum = fdesc.get("constraints", {}).get("enum")
    if enum is not None and str(target) not in enum:
        raise MappingError(f"{where}: {target!r} is not a level of {fdesc['name']} "
                           f"(levels: {', '.join(enum)})")
    return str(target)


def _table_fields(file: str, section: str, value: object) -> dict:
    """A mapping-file section that maps record tables to their fields, checked (names known)."""
    if not isinstance(value, dict):
        raise MappingError(f"{file}: '{section}' must map table names to fields")
    for table, per_field in value.items():
        if table not in IMPORT_TABLES:
            raise MappingError(f"{file}: {section}.{table}: unknown table (tables: "
                               f"{', '.join(IMPORT_TABLES)})")
        if not isinstance(per_field, dict):
            raise MappingError(f"{file}: {section}.{table} must map field names")
        for name in per_field:
            if name not in _spec(table):
                raise MappingError(f"{file}: {section}.{table}.{name}: unknown field "
                                   f"(fields: {', '.join(_spec(table))})")
    return value


@dataclass
class ValueMapping:
    target: str          # contract text
    label: str           # the label as written in the map
    source: str          # source id


@dataclass
class DerivedField:
    """A field computed from several columns (mapping file ``derive``).

    ``columns`` are the headers as written (matched like aliases, exactly); ``rules`` are
    ``(parts, target)`` tried in the order written, the first that matches wins; a part ``*``
    matches any value, an empty cell too. The combination of a row is shown as the parts joined
    with `` + `` (``就业 + 已落实``) in the report and in ``<field>_original``.

    Examples
    --------
    >>> d = DerivedField.parse("graduates", "destination", {
    ...     "from": ["目标", "状态"],
    ...     "values": {"就业 + 已落实": "employed_full_time", "升学 + *": "further_study"}}, "m")
    >>> d.lookup("就业 + 已落实").target, d.lookup("升学 + ").target, d.lookup("就业 + 未落实")
    ('employed_full_time', 'further_study', None)
    """

    columns: list[str]
    keys: list[str]                                    # the columns' header keys
    rules: list[tuple[tuple[str | None, ...], ValueMapping]]

    @classmethod
    def parse(cls, table: str, name: str, spec: object, where: str) -> DerivedField:
        """Check one ``derive.<table>.<field>`` entry; every error names the key."""
        fdesc = _spec(table)[name]
        if not isinstance(spec, dict) or set(spec) - {"from", "values"} or \
                not {"from", "values"} <= set(spec):
            raise MappingError(f"{where} must have exactly two keys, 'from' (the columns, e.g. "
                               "[目标, 状态]) and 'values' (combination -> contract value)")
        cols = spec["from"]
        if not isinstance(cols, list) or not 2 <= len(cols) <= 4 or \
                not all(isinstance(c, str) and header_keys(c) for c in cols):
            raise MappingError(f"{where}.from must list 2 to 4 column headers as written")
        keys = [header_keys(c)[0] for c in cols]
        if len(set(keys)) != len(keys):
            raise MappingError(f"{where}.from names one column twice")
        vals = spec["values"]
        if not isinstance(vals, dict) or not vals:
            raise MappingError(f"{where}.values must map combinations such as "
                               f"'{DERIVE_JOIN.join(['就业', '已落实'][:len(cols)] + ['*'] * (len(cols) - 2))}'"
                               " to contract values")
        rules = []
        for label, target in vals.items():
            parts = [p.strip() for p in str(label).split(DERIVE_JOIN.strip())]
            if len(parts) != len(cols):
                raise MappingError(
                    f"{where}.values[{label!r}]: {len(parts)} part(s), but 'from' names "
                    f"{len(cols)} columns ({', '.join(cols)}); write the values joined with "
                    f"'{DERIVE_JOIN.strip()}', '{DERIVE_ANY}' for any value")
            if all(p == DERIVE_ANY for p in parts):
                raise MappingError(f"{where}.values[{label!r}]: a rule must name at least one "
                                   "value (a rule of '*' only would hide every unknown value)")
            text = _target_text(fdesc, target, f"{where}.values[{label!r}]")
            key = tuple(None if p == DERIVE_ANY else value_key(p) for p in parts)
            rules.append((key, ValueMapping(text, str(label), USER_SOURCE)))
        return cls(list(cols), keys, rules)

    @staticmethod
    def combine(parts: list[str]) -> str:
        """The combination of one row's cells (missing markers already emptied)."""
        return DERIVE_JOIN.join(p.strip() for p in parts)

    def lookup(self, text: str) -> ValueMapping | None:
        """The first rule matching a combination, or ``None``."""
        parts = [value_key(p) for p in text.split(DERIVE_JOIN.strip())]
        if len(parts) != len(self.keys):
            return None
        for key, hit in self.rules:
            if all(k is None or k == p for k, p in zip(key, parts, strict=True)):
                return hit
        return None


@dataclass
class Mappings:
    """Aliases, value maps and options for one import (contract + optional mapping file)."""

    headers: dict[str, dict[str, tuple[str, str, str, int]]] = field(default_factory=dict)
    #: aliases with a bracketed tail, by their key without it (a header without the tail
    #: matches them, but only as a normalised match)
    headers_bare: dict[str, dict[str, tuple[str, str, str, int]]] = field(default_factory=dict)
    values: dict[str, dict[str, dict[str, ValueMapping]]] = field(default_factory=dict)
    booleans: dict[str, ValueMapping] = field(default_factory=dict)
    tables: list[tuple[str, str]] = field(default_factory=list)
    constants: dict[str, dict[str, str]] = field(default_factory=dict)
    dataset: dict = field(default_factory=dict)
    mapping_file: str | None = None
    types: dict[str, dict[str, str]] = field(default_factory=dict)
    derived: dict[str, dict[str, DerivedField]] = field(default_factory=dict)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_contract(cls) -> Mappings:
        m = cls()
        for table in IMPORT_TABLES:
            m.headers[table] = {}
            m.headers_bare[table] = {}
            m.values[table] = {}
            m.types[table] = {name: f["type"] for name, f in _spec(table).items()}
            for name, fdesc in _spec(table).items():
                m._add_alias(table, name, name, "contract", rank=0)
                # one running rank per field across its sources, in the contract's order: when
                # two columns match one field (毕业去向 and 毕业去向代码), the alias listed
                # first wins, never the column that happens to come first
                rank = 0
                for source, aliases in fdesc.get("aliases", {}).items():
                    for alias in aliases:
                        rank += 1
                        m._add_alias(table, name, alias, source, rank=rank)
                for source, vmap in fdesc.get("valueMaps", {}).items():
                    for label, target in vmap.items():
                        m._add_value(table, name, label, target, source)
                for alias in PUBLISHED_RATE_ALIASES.get(name, ()) if table == PUBLISHED_RATES \
                        else ():
                    rank += 1
                    m._add_alias(table, name, alias, PUBLISHED_REPORTS_SOURCE, rank=rank)
        for source, vmap in shared_contract().get("import", {}).get("booleanValues", {}).items():
            for label, target in vmap.items():
                m.booleans[value_key(label)] = ValueMapping("true" if target else "false",
                                                            label, source)
        return m

    def _add_alias(self, table: str, name: str, alias: str, source: str, rank: int) -> None:
        full, bare = _full_and_bare_key(alias)
        for key, index in ((full, self.headers[table]), (bare, self.headers_bare[table])):
            if not key:
                continue
            known = index.get(key)
            if known is not None and known[0] != name and source != USER_SOURCE:
                raise MappingError(f"alias {alias!r} of {table}.{name} is already an alias of "
                                   f"{table}.{known[0]}")
            if known is None or (source == USER_SOURCE and known[2] != USER_SOURCE):
                index[key] = (name, alias, source, rank)

    def _add_value(self, table: str, name: str, label: object, target: object, source: str,
                   where: str | None = None) -> None:
        fdesc = _spec(table)[name]
        where = where or f"contract {table}.{name} valueMaps[{source}][{label!r}]"
        text = _target_text(fdesc, target, where)
        self.values[table].setdefault(name, {})[value_key(str(label))] = ValueMapping(
            text, str(label), source)

    def apply_user(self, spec: dict, file: str) -> None:
        """Merge a parsed mapping file (validated here; errors name the key)."""
        allowed = {"dataset", "tables", "aliases", "values", "constants", "derive"}
        file = Path(file).name
        if not isinstance(spec, dict):
            raise MappingError(f"{file}: the mapping must be a table of keys "
                               f"({', '.join(sorted(allowed))}), not {type(spec).__name__}")
        unknown = set(spec) - allowed
        if unknown:
            raise MappingError(f"{file}: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                               f"(allowed: {', '.join(sorted(allowed))})")
        self.mapping_file = Path(file).name
        self._apply_dataset(spec.get("dataset", {}) or {}, file)
        self._apply_tables(spec.get("tables", {}) or {}, file)
        self._apply_aliases(_table_fields(file, "aliases", spec.get("aliases", {}) or {}), file)
        self._apply_values(_table_fields(file, "values", spec.get("values", {}) or {}), file)
        self._apply_constants(_table_fields(file, "constants", spec.get("constants", {}) or {}),
                              file)
        self._apply_derive(_table_fields(file, "derive", spec.get("derive", {}) or {}), file)

    def _apply_dataset(self, dataset: object, file: str) -> None:
        """The mapping file's ``dataset`` keys (its origin: name, data_origin …)."""
        if not isinstance(dataset, dict):
            raise MappingError(f"{file}: 'dataset' must be a table of keys (name, data_origin …)")
        if dataset.get("data_origin", "user") not in ("user", "synthetic"):
            raise MappingError(f"{file}: dataset.data_origin must be 'user' or 'synthetic'")
        self.dataset = {str(k): v for k, v in dataset.items()}

    def _apply_tables(self, tables: object, file: str) -> None:
        """``tables``: file (or file!sheet) patterns assigned to a table or ``ignore``."""
        if not isinstance(tables, dict):
            raise MappingError(f"{file}: 'tables' must map file (or file!sheet) patterns to tables")
        for pattern, table in tables.items():
            if table not in IMPORT_TABLES + ("ignore",):
                raise MappingError(f"{file}: tables[{pattern!r}]: {table!r} is not a table "
                                   f"({', '.join(IMPORT_TABLES)} or ignore)")
            self.tables.append((str(pattern), str(table)))

    def _apply_aliases(self, aliases: dict, file: str) -> None:
        """``aliases``: further headers per field, ranked before the contract's."""
        for table, per_field in aliases.items():
            for name, names in per_field.items():
                if isinstance(names, str):
                    names = [names]
                if not isinstance(names, list) or not all(isinstance(a, str) for a in names):
                    raise MappingError(f"{file}: aliases.{table}.{name} must be a list of texts")
                for position, alias in enumerate(names):
                    # the user's aliases rank before the contract's, in the order listed
                    self._add_alias(table, name, alias, USER_SOURCE, rank=position - 10_000)

    def _apply_values(self, values: dict, file: str) -> None:
        """``values``: value maps per field (text in the file -> contract value)."""
        for table, per_field in values.items():
            for name, vmap in per_field.items():
                if not isinstance(vmap, dict):
                    raise MappingError(f"{file}: values.{table}.{name} must map texts to values")
                for label, target in vmap.items():
                    self._add_value(table, name, label, target, USER_SOURCE,
                                    where=f"{file}: values.{table}.{name}[{label!r}]")

    def _apply_constants(self, constants: dict, file: str) -> None:
        """``constants``: one value for a field the files do not have (checked like a cell)."""
        for table, per_field in constants.items():
            for name, value in per_field.items():
                fdesc = _spec(table)[name]
                text = _target_text(fdesc, value, f"{file}: constants.{table}.{name}") \
                    if fdesc["type"] != "string" or "enum" in fdesc.get("constraints", {}) \
                    else str(value)
                self.constants.setdefault(table, {})[name] = text

    def _apply_derive(self, derive: dict, file: str) -> None:
        """``derive``: a field computed from several columns by rules (:class:`DerivedField`)."""
        for table, per_field in derive.items():
            for name, spec in per_field.items():
                where = f"{file}: derive.{table}.{name}"
                self.derived.setdefault(table, {})[name] = DerivedField.parse(
                    table, name, spec, where)

    # -- questions --------------------------------------------------------------------------
    def table_for(self, file: str, sheet: str | None) -> str | None:
        """The table a file/sheet is assigned to by the mapping file (``ignore`` allowed)."""
        names = [f"{file}!{sheet}"] if sheet is not None else []
        names.append(file)
        for pattern, table in self.tables:
            if any(fnmatch.fnmatchcase(n, pattern) for n in names):
                return table
        return None

    def match_header(self, table: str, header: str) -> tuple[str, str, int, bool] | None:
        """``(field, alias source, rank, exact)`` of a header in ``table``, or ``None``.

        ``exact`` is true when the header equals an alias after normalisation; otherwise one of
        the two had a bracketed tail the other has not (a unit such as ``（月）``). Tails that
        differ never match: ``第6题(运动)`` is not the alias ``第6题(阅读)``.

        Examples
        --------
        >>> m = build_mappings({"aliases": {"graduates": {"job_satisfaction": ["第6题(阅读)"]}}})
        >>> m.match_header("graduates", "第6题（阅读）")[::3], m.match_header("graduates", "第6题(运动)")
        (('job_satisfaction', True), None)
        >>> m.match_header("graduates", "岗位适应期（月）")
        ('adaptation_months', 'talentlab', 1, False)
        """
        full, bare = _full_and_bare_key(header)
        hit = self.headers[table].get(full)
        if hit is not None:
            return hit[0], hit[2], hit[3], True
        for key, index in ((bare, self.headers[table]), (full, self.headers_bare[table])):
            hit = index.get(key) if key else None
            if hit is not None:
                return hit[0], hit[2], hit[3], False
        return None

    def map_value(self, table: str, name: str, text: str) -> ValueMapping | None:
        """The mapping of a cell's text, trying ``code-label`` forms (``10 签就业协议形式就业``);
        a derived field's combination (``就业 + 已落实``) goes through its rules."""
        derived = self.derived.get(table, {}).get(name)
        if derived is not None and DERIVE_JOIN.strip() in text:
            hit = derived.lookup(text)
            if hit is not None:
                return hit
        vmap = self.values[table].get(name, {})
        key = value_key(text)
        if key in vmap:
            return vmap[key]
        if self.types[table][name] == "boolean" and key in self.booleans:
            return self.booleans[key]
        m = re.fullmatch(r"(\d{1,3})\s*[-—:：、.．]?\s*(\D.*)", key) or \
            re.fullmatch(r"(\D.*?)\s*[(（](\d{1,3})[)）]", key)
        if m:
            a, b = m.groups()
            code, label = (a, b) if a.isdigit() else (b, a)
            by_label, by_code = vmap.get(value_key(label)), vmap.get(code)
            if by_label and by_code and by_label.target != by_code.target:
                return None  # code and label disagree: reported as unmapped
            return by_label or by_code
        return None


def load_mapping_file(path: str | os.PathLike) -> dict:
    """Parse a ``.yaml``/``.yml``/``.toml``/``.json`` mapping file, or raise :class:`MappingError`."""
    path = Path(path)
    if not path.exists():
        raise MappingError(f"mapping file {path} does not exist")
    if not path.is_file():  # a FIFO or device would block the reader or never end
        raise MappingError(f"mapping file {path}: not a regular file (a folder, named pipe, "
                           "device or socket) / 不是普通文件（文件夹、命名管道、设备或套接字）")
    suffix = path.suffix.lower()
    with path.open("rb") as fh:  # never more than the limit, whatever the file claims
        data = fh.read(MAX_MAPPING_BYTES + 1)
    if len(data) > MAX_MAPPING_BYTES:
        raise MappingError(f"{path.name}: a mapping file may hold at most {MAX_MAPPING_BYTES} "
                           f"bytes / 映射文件不得超过 {MAX_MAPPING_BYTES} 字节")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MappingError(f"{path.name}: a mapping file must be UTF-8 text") from None
    try:
        if suffix in (".yaml", ".yml"):
            spec = _load_yaml_bounded(text, path.name)
        elif suffix == ".toml":
            import tomllib

            spec = tomllib.loads(text)
        elif suffix == ".json":
            spec = json.loads(text)
        else:
            raise MappingError(f"{path.name}: use a .yaml, .toml or .json mapping file")
    except MappingError:
        raise
    except RecursionError:
        raise MappingError(f"{path.name}: nested too deeply (at most {MAX_MAPPING_DEPTH} "
                           f"levels) / 嵌套层数过多") from None
    except Exception as exc:  # yaml/toml/json syntax errors carry line and column
        raise MappingError(f"{path.name}: cannot be parsed: {exc}") from None
    if suffix not in (".yaml", ".yml"):
        _check_size(spec, path.name)
    return {} if spec is None else spec


def _too_big(name: str, what: str) -> MappingError:
    return MappingError(
        f"{name}: {what} (at most {MAX_MAPPING_NODES} values, every YAML alias expansion "
        f"counted, and {MAX_MAPPING_DEPTH} levels of nesting) / 映射文件展开后过大或嵌套过深；"
        "a mapping of aliases and value maps never needs this: remove the YAML anchors (&) and "
        "aliases (*)")


def _load_yaml_bounded(text: str, name: str) -> object:
    """``yaml.safe_load`` that counts the values of the composed document, each alias counted
    as the whole node it repeats, and refuses the document before building any Python object
    when it exceeds :data:`MAX_MAPPING_NODES` or :data:`MAX_MAPPING_DEPTH` (or refers to itself)."""
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        def construct_document(self, node):
            _check_yaml_nodes(node, name)
            return super().construct_document(node)

    return yaml.load(text, Loader=BoundedLoader)  # noqa: S506 - a SafeLoader subclass


def _check_yaml_nodes(root, name: str) -> None:
    """Expanded size and depth of a composed YAML node graph, memoised per node (shared nodes
    are what aliases make), so the check is linear in the file however large the expansion."""
    import yaml

    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def visit(node, depth: int) -> int:
        if depth > MAX_MAPPING_DEPTH:  # a shared node's depth depends on where it is used
            raise _too_big(name, "nested too deeply")
        key = id(node)
        if key in on_path:
            raise _too_big(name, "a YAML alias refers to the node that contains it")
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            return 1
        if key in sizes and depth + _height(node) <= MAX_MAPPING_DEPTH:
            return sizes[key]
        on_path.add(key)
        total = 1
        for child in children:
            total += visit(child, depth + 1)
            if total > MAX_MAPPING_NODES:
                raise _too_big(name, "too large once its YAML aliases are expanded")
        on_path.discard(key)
        sizes[key] = total
        return total

    heights: dict[int, int] = {}

    def _height(node) -> int:
        key = id(node)
        if key not in heights:
            kids = node.value if isinstance(node, yaml.SequenceNode) else \
                [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) \
                else []
            heights[key] = 1 + max((_height(k) for k in kids), default=0)
        return heights[key]

    visit(root, 0)


def _check_size(spec: object, name: str) -> None:
    """The same bounds for a TOML or JSON mapping (no aliases there: a plain walk)."""
    count = 0
    stack = [(spec, 0)]
    while stack:
        obj, depth = stack.pop()
        count += 1
        if count > MAX_MAPPING_NODES:
            raise _too_big(name, "too large")
        if depth > MAX_MAPPING_DEPTH:
            raise _too_big(name, "nested too deeply")
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for kv in obj.items() for v in kv)
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj)


def build_mappings(mapping: str | os.PathLike | dict | None = None) -> Mappings:
    """The contract's mappings plus a mapping file (path) or an already parsed dict."""
    m = Mappings.from_contract()
    if mapping is None:
        return m
    if isinstance(mapping, dict):
        m.apply_user(mapping, "mapping")
    else:
        m.apply_user(load_mapping_file(mapping), str(mapping))
    return m


# --------------------------------------------------------------------------------------------
# the codebook section
# --------------------------------------------------------------------------------------------
def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_mappings_markdown() -> str:
    """Markdown of every alias, value map, source and many-to-one decision (``data/raw/README.md``)."""
    imp = shared_contract().get("import", {})
    sources = imp.get("sources", {})
    out = ["## Importing a college's own exports / 导入学校导出数据\n",
           "`talentlab import SRC OUT` reads exports as they come (CSV/TXT in UTF-8, UTF-8 with BOM, "
           "UTF-16 or GB18030; `.xlsx`/`.xls` with several sheets and title rows above the header), "
           "recognises the headers and values below and writes a contract-conformant folder with "
           "`import_report.md`/`.json`. A `mapping.yaml` (or `.toml`) adds your own aliases and value "
           "maps; where a value was re-coded, the original stays in `<field>_original`. "
           "Header matching ignores case, full-/half-width forms, spaces, a question number such as "
           "`4、` and a trailing unit in brackets such as `（月）`; an exact match beats one found by "
           "dropping the bracketed tail, brackets that differ never match (`第6题(运动)` is not "
           "`第6题(阅读)`), and two columns that match one field equally are an error naming both. "
           "A three-party evaluation exported "
           "wide (one column per dimension: 实践技能, 职业素养 …) becomes long when its sheet is "
           "assigned to `evaluations` under `tables` in mapping.yaml (give the party under "
           "`constants` when the sheet has no party column).\n",
           "A field can be derived from 2 to 4 columns under `derive` in mapping.yaml: `from` lists "
           "the headers, `values` maps each combination, written with ` + ` between the parts "
           "(`*` for any value, an empty cell too), to a contract value; rules are tried in the "
           "order written and the first that matches wins; a combination no rule knows is an "
           "error naming its rows; the combination stays in `<field>_original`:\n",
           "```yaml\nderive:\n  graduates:\n    destination:\n      from: [目标, 状态]\n"
           "      values:\n        就业 + 已落实: employed_full_time\n"
           "        就业 + 未落实: unemployed\n        升学 + 已录取: further_study\n"
           "        升学 + *: preparing_further_study\n"
           "        \"* + 未联系上\": unknown\n```\n",
           f"A mapping file holds at most {MAX_MAPPING_BYTES // 1024} KiB, {MAX_MAPPING_NODES} values "
           f"(each expansion of a YAML alias counted) and {MAX_MAPPING_DEPTH} levels of nesting.\n",
           "Missing values (one list, every table) / 缺失值标记: "
           + ", ".join(f"`{m}`" if m else "empty" for m in _missing()) + ". "
           "`无` always means *missing*, never *no*.\n",
           "### Sources of the mappings / 映射来源\n",
           "| id | what | where | status |", "|---|---|---|---|"]
    for sid, s in sources.items():
        out.append(f"| `{sid}` | {_md(s.get('title', ''))} | {_md(s.get('cite', ''))} | "
                   f"{_md(s.get('status', ''))} |")
    out.append("\n### Many-to-one decisions / 多对一映射决定\n")
    out.append("| field | from | to | why | sources |")
    out.append("|---|---|---|---|---|")
    for d in imp.get("decisions", []):
        out.append(f"| `{d['field']}` | {_md(', '.join(d['from']))} | `{d['to']}` | {_md(d['why'])} | "
                   f"{', '.join(f'`{s}`' for s in d['sources'])} |")
    bools = imp.get("booleanValues", {})
    out.append("\nBoolean words every yes/no field accepts besides `true/false`, `yes/no`, `1/0`, "
               "`是/否`: " + "; ".join(
                   f"{', '.join(f'`{k}` → {str(v).lower()}' for k, v in vm.items())} (`{sid}`)"
                   for sid, vm in bools.items()) + ".\n")
    out.append("### Header aliases and value maps per field / 各字段的列名别名与取值映射\n")
    for table in RECORD_TABLES:
        out.append(f"#### `{table}`\n")
        out.append("| field | header aliases (source) | value map (source) |")
        out.append("|---|---|---|")
        for name, fdesc in _spec(table).items():
            aliases = "; ".join(f"{', '.join(_md(a) for a in al)} (`{sid}`)"
                                for sid, al in fdesc.get("aliases", {}).items())
            vmaps = "; ".join(
                f"{', '.join(f'{_md(k)} → `{str(v).lower() if isinstance(v, bool) else v}`' for k, v in vm.items())} (`{sid}`)"
                for sid, vm in fdesc.get("valueMaps", {}).items())
            out.append(f"| `{name}` | {aliases} | {vmaps} |")
        out.append("")
    hints = imp.get("unmappedHints", {})
    if hints:
        out.append("Columns that are deliberately not imported, with what to do / 不导入的列：\n")
        out += [f"- `{_md(h)}`: {_md(t)}" for h, t in hints.items()]
        out.append("")
    return "\n".join(out)


def _missing() -> list[str]:
    from talentlab.data.schema import missing_values

    return missing_values(RECORD_TABLES[0])


def unmapped_hint(header: str) -> str | None:
    """Why a known kind of column is not imported (personal data, place names …)."""
    hints = shared_contract().get("import", {}).get("unmappedHints", {})
    keys = header_keys(header)
    for h, text in hints.items():
        if header_keys(h)[0] in keys:
            return text
    return None
