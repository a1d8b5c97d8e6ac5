{#- The current version of each record of a raw entity, as the exports dated on or before D show it
    (LANDING.md): a later export date supersedes an earlier one; within an export the later
    `updated_at` wins (then the later load and line). Deleted records are dropped here; they are
    counted in the audit (keep_deleted=true), not carried into the marts. -#}
{% macro latest_version(source_relation, key_columns, keep_deleted=false) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by
                    _export_date desc,
                    updated_at desc nulls last,
                    _load_seq desc,
                    _line_number desc
            ) as _version_rank
        from {{ source_relation }}
        where _export_date <= {{ as_of_date() }}
    ) as versions
    where _version_rank = 1 {% if not keep_deleted %}and not coalesce(is_deleted, false){% endif %}
{%- endmacro %}
