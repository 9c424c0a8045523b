"""The JSON API, ``/api/v1/``: the tracker as a data source for other systems.

Reads are open to anyone and show what the public pages show (approved updates), filtered with
the pages' own FilterSets; writes are for signed-in editors and reviewers and call the same
services as the web forms, which ask ``permissions``. The schema (drf-spectacular) is served at
``/api/schema/``, its docs at ``/api/docs/``.
"""
