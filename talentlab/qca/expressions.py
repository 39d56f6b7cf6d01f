"""Set-theoretic expressions in R QCA's notation, and the errors/warnings of the QCA engine.

Notation (R package QCA 3.x / admisc): ``*`` is AND (fuzzy minimum), ``+`` is OR (fuzzy maximum),
``~`` is negation (``1 - x``); multi-value literals are written ``DEV[2]`` or ``DEV{2}`` (several
values ``DEV[1,2]``). Older texts write negation in lower case (``dev*URB``); pass
``lowercase_negation=True`` to read that form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

# admisc::agteb uses sqrt(.Machine$double.eps) as tolerance for ">=" comparisons of cut-offs.
TOLERANCE = float(np.sqrt(np.finfo(float).eps))


class QCAError(ValueError):
    """Bad input or an impossible request in the QCA engine (a ``ValueError``)."""


class TautologyError(QCAError):
    """All configurations are positive or remainders: every condition is minimised away.

    R QCA stops with "All truth table configurations are used, all conditions are minimized".
    """


class QCAWarning(UserWarning):
    """A methodological warning (limited diversity, no outcome variation, 0.5 memberships...)."""


@dataclass(frozen=True)
class Literal:
    """One literal: a condition, optionally a set of multi-value levels, optionally negated."""

    condition: str
    values: tuple[int, ...] | None = None
    negated: bool = False

    def membership(self, data: pd.DataFrame) -> np.ndarray:
        if self.condition not in data.columns:
            raise QCAError(f"condition {self.condition!r} of the expression is not in the data")
        x = data[self.condition].to_numpy(dtype=float)
        if self.values is None:
            m = x
        else:
            m = np.isin(x, np.asarray(self.values, dtype=float)).astype(float)
        return 1.0 - m if self.negated else m

    def write(self) -> str:
        name = self.condition
        if self.values is not None:
            name += "[" + ",".join(str(v) for v in self.values) + "]"
        return ("~" if self.negated else "") + name


Term = tuple[Literal, ...]


def split_outcome(outcome: str) -> tuple[str, bool]:
    """(set name, negated) of an outcome written ``"Y"`` or ``"~Y"``.

    Examples
    --------
    >>> split_outcome("~ SURV"), split_outcome("SURV")
    (('SURV', True), ('SURV', False))
    """
    text = outcome.strip()
    return text.lstrip("~").strip(), text.startswith("~")

_LITERAL_RE = re.compile(r"^(~?)\s*([^\[\]{}~\s]+)\s*(?:[\[{]\s*([0-9,\s]+)\s*[\]}])?$")


def parse_expression(
    expression: str,
    names: list[str] | None = None,
    lowercase_negation: bool = False,
) -> list[Term]:
    """Parse a sum of products such as ``"DEV*~IND + URB*STB"`` into terms of literals.

    Parameters
    ----------
    expression : str
        Expression in R QCA notation.
    names : list of str, optional
        Known set names; needed for ``lowercase_negation``.
    lowercase_negation : bool
        Read an all-lower-case literal whose upper-case form is a known name as its negation.

    Examples
    --------
    >>> [[lit.write() for lit in t] for t in parse_expression("DEV*~IND + URB*STB")]
    [['DEV', '~IND'], ['URB', 'STB']]
    """
    if not isinstance(expression, str) or not expression.strip():
        raise QCAError("the expression must be a non-empty string such as 'A*~B + C'")
    text = expression.replace("\u2212", "-")
    terms: list[Term] = []
    for raw_term in _split_top(text, "+"):
        lits = []
        for raw_lit in _split_top(raw_term, "*"):
            lit = raw_lit.strip()
            m = _LITERAL_RE.match(lit)
            if not m:
                raise QCAError(f"cannot read the literal {lit!r} in expression {expression!r}")
            tilde, name, vals = m.groups()
            negated = tilde == "~"
            if (
                lowercase_negation
                and names is not None
                and name not in names
                and name.upper() in names
                and name == name.lower()
            ):
                name = name.upper()
                negated = not negated
            values = None
            if vals is not None:
                values = tuple(int(v) for v in vals.replace(" ", "").split(",") if v != "")
            if names is not None and name not in names:
                raise QCAError(f"set {name!r} of expression {expression!r} is not in the data")
            lits.append(Literal(name, values, negated))
        terms.append(tuple(lits))
    return terms


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    parts = [p.strip() for p in parts]
    if any(p == "" for p in parts):
        raise QCAError(f"empty term or literal in {text!r}")
    return parts


def term_membership(term: Term, data: pd.DataFrame) -> np.ndarray:
    """Fuzzy AND (minimum) of the literals of one term."""
    out = np.ones(len(data), dtype=float)
    for lit in term:
        out = np.minimum(out, lit.membership(data))
    return out


def write_term(term: Term) -> str:
    return "*".join(lit.write() for lit in term)


def compute(expression: str, data: pd.DataFrame, lowercase_negation: bool = False) -> np.ndarray:
    """Membership of every case (row of ``data``) in a written expression (fuzzy OR of terms).

    Examples
    --------
    >>> d = pd.DataFrame({"A": [0.2, 0.9], "B": [0.7, 0.4]})
    >>> compute("A*~B + B", d).round(2).tolist()
    [0.7, 0.6]
    """
    terms = parse_expression(expression, list(data.columns), lowercase_negation)
    out = np.zeros(len(data), dtype=float)
    for t in terms:
        out = np.maximum(out, term_membership(t, data))
    return out


def write_implicant(codes, conditions: list[str], multivalue: bool) -> str:
    """Write an implicant coded as R does (0 = minimised, value + 1 otherwise)."""
    return "*".join(write_literal(c, v, multivalue)
                    for c, v in zip(conditions, codes, strict=True) if int(v) != 0)


def write_literal(condition: str, code: int, multivalue: bool) -> str:
    """One coded literal (value + 1) as R writes it: ``C[v]`` (multi-value), ``C`` or ``~C``."""
    code = int(code)
    if multivalue:
        return f"{condition}[{code - 1}]"
    return condition if code == 2 else "~" + condition
