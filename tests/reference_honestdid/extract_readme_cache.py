"""Print the result tables stored in the knitr cache of HonestDiD's README.

The R package's repository (GitHub asheshrambachan/HonestDiD, commit
6813f02ed38f0b63bdca6915604b2eac90491303, MIT licence) commits ``README_cache/gfm/``: per cached
chunk an ``.rdx`` index (gzip of an R-serialised list: variable -> offset, length) and an
``.rdb`` file of R-serialised objects (each a 4-byte length and a zlib stream). This script reads
them with the ``rdata`` package (not a talentlab dependency: ``pip install rdata``) and prints
every data frame with ``lb`` / ``ub`` columns at full precision; the values are copied into
``honestdid_published.json`` under ``r_cache``.

Usage::

    python tests/reference_honestdid/extract_readme_cache.py path/to/README_cache/gfm
"""

import gzip
import sys
import zlib
from pathlib import Path


def _read(raw: bytes):
    import rdata  # not a talentlab dependency; imported here so that collection needs none

    return rdata.conversion.convert(rdata.parser.parse_data(raw))


def main(folder: str) -> None:
    for index in sorted(Path(folder).glob("*.rdx")):
        variables = _read(gzip.decompress(index.read_bytes()))["variables"]
        db = index.with_suffix(".rdb").read_bytes()
        for name, (offset, length) in variables.items():
            offset, length = int(offset), int(length)
            try:
                obj = _read(zlib.decompress(db[offset + 4:offset + length]))
            except Exception:  # objects rdata cannot convert (fits, plots) are not results
                continue
            if hasattr(obj, "columns") and {"lb", "ub"} <= set(obj.columns):
                print(index.stem, name)
                for row in obj.to_dict("records"):
                    print("   ", {k: (v if isinstance(v, str) else float(v))
                                  for k, v in row.items()})


if __name__ == "__main__":
    main(sys.argv[1])
