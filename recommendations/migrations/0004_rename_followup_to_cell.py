"""One name for one thing: the grid's recommendation x state entry is a "cell" everywhere.

Renames the model, its history model, the foreign keys that point at it, its indexes and
constraints, and the permissions that carry its name (so existing groups keep their rights).
"""

import django.db.models.deletion
from django.db import migrations, models

RENAMED_INDEXES = [
    ("followup_state_status", "cell_state_status"),
    ("followup_rec_status", "cell_rec_status"),
    ("followup_status", "cell_status"),
    ("followup_status_date", "cell_status_date"),
]


def rename_permissions(apps, schema_editor, *, old="followup", new="cell"):
    """add_followup -> add_cell, view_historicalfollowup -> view_historicalcell, ..."""
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="recommendations", codename__endswith=old
    ):
        action, _, model = permission.codename.partition("_")
        if model not in (old, f"historical{old}"):
            continue
        codename = f"{action}_{model.removesuffix(old)}{new}"
        if Permission.objects.filter(codename=codename).exists():
            continue
        permission.codename = codename
        permission.name = permission.name.replace("follow-up cell", "cell")
        permission.save(update_fields=["codename", "name"])


def unrename_permissions(apps, schema_editor):
    rename_permissions(apps, schema_editor, old="cell", new="followup")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("recommendations", "0003_cell_year_counts"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="followup", name="one_followup_per_recommendation_and_state"
        ),
        migrations.RemoveConstraint(model_name="followup", name="followup_status_valid"),
        *[
            migrations.RenameIndex(model_name="followup", new_name=new, old_name=old)
            for old, new in RENAMED_INDEXES
        ],
        # Indexes and constraints over the renamed columns are rebuilt around the rename (on
        # SQLite renaming a foreign key rebuilds its table, which needs them gone first).
        migrations.RemoveConstraint(model_name="cellyearcount", name="cell_year_status"),
        migrations.RemoveIndex(model_name="progressupdate", name="update_cell_latest"),
        migrations.RemoveIndex(model_name="progressupdate", name="update_cell_status_date"),
        migrations.RenameModel(old_name="FollowUp", new_name="Cell"),
        migrations.RenameModel(old_name="HistoricalFollowUp", new_name="HistoricalCell"),
        migrations.AlterModelOptions(
            name="cell",
            options={"ordering": ["recommendation__order", "state__name"], "verbose_name": "cell"},
        ),
        migrations.AlterModelOptions(
            name="historicalcell",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical cell",
                "verbose_name_plural": "historical cells",
            },
        ),
        migrations.RenameField(model_name="progressupdate", old_name="followup", new_name="cell"),
        migrations.RenameField(
            model_name="historicalprogressupdate", old_name="followup", new_name="cell"
        ),
        migrations.RenameField(model_name="cellyearcount", old_name="followup", new_name="cell"),
        migrations.AddIndex(
            model_name="progressupdate",
            index=models.Index(
                fields=["cell", "review_state", "-effective_date", "-created_at"],
                name="update_cell_latest",
            ),
        ),
        migrations.AddIndex(
            model_name="progressupdate",
            index=models.Index(
                fields=["cell", "review_state", "status", "effective_date"],
                name="update_cell_status_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="cellyearcount",
            constraint=models.UniqueConstraint(
                fields=("cell", "year", "status"), name="cell_year_status"
            ),
        ),
        migrations.AlterField(
            model_name="cell",
            name="recommendation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cells",
                to="recommendations.recommendation",
            ),
        ),
        migrations.AlterField(
            model_name="cell",
            name="state",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cells",
                to="recommendations.memberstate",
            ),
        ),
        migrations.AlterField(
            model_name="historicalprogressupdate",
            name="cell",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="recommendations.cell",
                verbose_name="cell",
            ),
        ),
        migrations.AlterField(
            model_name="progressupdate",
            name="cell",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="updates",
                to="recommendations.cell",
                verbose_name="cell",
            ),
        ),
        migrations.AddConstraint(
            model_name="cell",
            constraint=models.UniqueConstraint(
                fields=("recommendation", "state"), name="one_cell_per_recommendation_and_state"
            ),
        ),
        migrations.AddConstraint(
            model_name="cell",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "current_status__in",
                        [
                            "no_information",
                            "not_started",
                            "planned",
                            "in_progress",
                            "partially_implemented",
                            "implemented",
                            "declined",
                        ],
                    )
                ),
                name="cell_status_valid",
            ),
        ),
        migrations.RunPython(rename_permissions, unrename_permissions),
    ]
