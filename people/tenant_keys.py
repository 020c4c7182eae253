"""Tenant keys: foreign keys that carry the organization, so that the database itself refuses a row whose
project, person or assignment belongs to another organization.

A tenant-owned row that points at another tenant-owned row (a work log at its project, person and assignment; an
assignment at its project and person) is constrained on PostgreSQL by
`FOREIGN KEY (project_id, organization_id) REFERENCES projects_project (id, organization_id)` instead of Django's
single-column key. The pair includes the organization, so the row's own `organization_id` needs no key of its
own: it is the organization of the project it points at, which has its key.

Django cannot declare a composite foreign key, so the models say `db_constraint=False` on those fields and the
migrations add the composite constraints with `tenant_key` (PostgreSQL only; the SQLite of development goes
without them). Each target gets a unique constraint on (id, organization_id) for the keys to reference
(`tenant_key_target`), also in SQL alone: the primary key already makes it true, and Django would otherwise check
it with a query on every form save.
"""

from django.db import migrations


def constraint_name(table, column):
    return f"{table}_{column}_tenant_fk"


def _on_postgresql(forward_sql, backward_sql):
    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(forward_sql)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(backward_sql)

    return migrations.RunPython(forward, backward)


def tenant_key_target(table):
    """A migration operation: (id, organization_id) of `table` is unique, so tenant keys can reference it."""
    name = f"{table}_id_organization_key"
    return _on_postgresql(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" UNIQUE ("id", "organization_id")',
        f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"',
    )


def tenant_key(table, column, target_table):
    """A migration operation: (`column`, organization_id) of `table` must be (id, organization_id) of a row of
    `target_table`. Checked at commit like Django's own keys (DEFERRABLE INITIALLY DEFERRED); a NULL `column`
    points at nothing and is not checked."""
    name = constraint_name(table, column)
    return _on_postgresql(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("{column}", "organization_id") '
        f'REFERENCES "{target_table}" ("id", "organization_id") DEFERRABLE INITIALLY DEFERRED',
        f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"',
    )
