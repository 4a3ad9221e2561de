"""The safety net of syncs and imports: field-by-field changes, results files, guard rules."""
