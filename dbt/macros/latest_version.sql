{#- The current version of each record of a raw entity, as the exports dated on or before D show it
    (LANDING.md): a later export date supersedes an earlier one; within an export the later
    `updated_at` wins (then the later load and line). Deleted records are dropped here; they are
    counted in the audit, not carried into the marts. -#}
{% macro latest_version(source_relation, key_columns, has_updated_at=true) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by
                    _export_date desc,
                    {% if has_updated_at %}updated_at desc nulls last,{% endif %}
                    _load_seq desc,
                    _line_number desc
            ) as _version_rank
        from {{ source_relation }}
        where _export_date <= {{ as_of_date() }}
    ) as versions
    where _version_rank = 1 and not coalesce(is_deleted, false)
{%- endmacro %}
