"""The data contract and everything that reads or writes records: schema, loaders, the importer of college exports, templates, examples, pseudonymisation."""

#: names re-exported from :mod:`talentlab.data.schema`, imported on first use (importing a
#: submodule such as ``talentlab.data.atomic`` stays free of pandas)
_FROM_SCHEMA = ("ReformYearsUnknown", "reform_years")


def __getattr__(name: str):
    if name in _FROM_SCHEMA:
        from talentlab.data import schema

        return getattr(schema, name)
    raise AttributeError(f"module 'talentlab.data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_FROM_SCHEMA))
