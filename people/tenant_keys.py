"""Tenant keys: foreign keys that carry the organization, so that the database itself refuses a row whose
project, person or assignment belongs to another organization.

A tenant-owned row that points at another tenant-owned row (a work log at its project, person and assignment; an
assignment at its project and person) is constrained by
`FOREIGN KEY (organization_id, project_id) REFERENCES projects_project (organization_id, id)` instead of Django's
single-column key. The pair includes the organization, so the row's own `organization_id` needs no key of its
own: it is the organization of the project it points at, which has its key.

Django cannot declare a composite foreign key, so the models say `db_constraint=False` on those fields and the
migrations add the composite constraints with `tenant_key`. Each target table gets a unique index on
(organization_id, id) for the keys to reference (`tenant_key_target`), in place of its single-column index on
organization_id (the models say `db_index=False`): it serves the organization's listings as well, and no index
of organization_id alone is left for the planner to pick for a key's check, which would then read a whole
organization's people for each row. The index is declared in SQL rather than as a Django constraint,
which Django would check with a query on every save.
"""

from django.db import migrations


def tenant_key_target(table: str) -> migrations.RunSQL:
    """A migration operation: (organization_id, id) of `table` is unique, so tenant keys can reference it."""
    name = f"{table}_organization_id_id_key"
    return migrations.RunSQL(
        f'CREATE UNIQUE INDEX "{name}" ON "{table}" ("organization_id", "id")',
        f'DROP INDEX IF EXISTS "{name}"',
    )


def tenant_key(table: str, column: str, target_table: str) -> migrations.RunSQL:
    """A migration operation: (organization_id, `column`) of `table` must be (organization_id, id) of a row of
    `target_table`. Checked at commit like Django's own keys (DEFERRABLE INITIALLY DEFERRED); a NULL `column`
    points at nothing and is not checked."""
    name = f"{table}_{column}_tenant_fk"
    return migrations.RunSQL(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("organization_id", "{column}") '
        f'REFERENCES "{target_table}" ("organization_id", "id") DEFERRABLE INITIALLY DEFERRED',
        f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"',
    )
