"""Make mpdta.csv from R did's ``data/mpdta.rda`` (see README.md beside this file).

pyreadr reads R's rda format; it is not a talentlab dependency (install it in a scratch
environment). The identifiers and years are whole numbers stored as doubles in R and written as
integers here; the outcome and log population are written with Python's shortest round-trip
representation, so the CSV holds R's doubles exactly.

Usage::

    python tests/reference/mpdta/make_mpdta_csv.py path/to/mpdta.rda
"""

import sys
from pathlib import Path

import pyreadr

INTEGER_COLUMNS = ["year", "countyreal", "first.treat", "treat"]


def main(rda: str) -> None:
    frame = pyreadr.read_r(rda)["mpdta"]
    for column in INTEGER_COLUMNS:
        if not (frame[column] == frame[column].round()).all():
            raise SystemExit(f"{rda}: column {column} is not whole numbers")
        frame[column] = frame[column].astype(int)
    frame.to_csv(Path(__file__).with_name("mpdta.csv"), index=False, lineterminator="\n")


if __name__ == "__main__":
    main(sys.argv[1])
