"""The data contract and everything that reads or writes records: schema, loaders, the importer of college exports, templates, examples, pseudonymisation."""
