{#- The current version of each record of a raw entity, as the exports dated on or before D show it
    (LANDING.md): a later export date supersedes an earlier one; within an export the later
    `updated_at` wins (then the later load and line). Deleted records are dropped here; they are
    counted in the audit (keep_deleted=true), not carried into the marts.
    The record key is the source table's `meta.key` (generated from the landing contract); pass
    `key_columns` only where the key is compared through an expression. -#}
{% macro latest_version(source_relation, key_columns=none, keep_deleted=false) -%}
    {%- set key_columns = key_columns or source_key(source_relation) %}
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


{#- The key columns declared in `meta.key` of the dbt source that `source_relation` points to.
    The graph is only filled when dbt executes; while parsing, any column list will do. -#}
{% macro source_key(source_relation) -%}
    {%- if not execute %}{{ return(['_line_number']) }}{% endif %}
    {#- a dbt unit test gives its source rows without the graph's sources: each row one version #}
    {%- if graph.sources is not defined %}{{ return(['_source_file', '_line_number']) }}{% endif %}
    {%- for node in graph.sources.values() %}
        {%- if node.schema | lower == source_relation.schema | lower
            and node.identifier | lower == source_relation.identifier | lower %}
            {%- if not node.config.meta.key %}
                {{ exceptions.raise_compiler_error(
                    "source " ~ node.source_name ~ "." ~ node.name ~ " has no meta.key"
                ) }}
            {%- endif %}
            {{ return(node.config.meta.key) }}
        {%- endif %}
    {%- endfor %}
    {{ exceptions.raise_compiler_error("no dbt source declares " ~ source_relation) }}
{%- endmacro %}
