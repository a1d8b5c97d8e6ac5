-- How many records each entity's exports have deleted as of D (LANDING.md: a deleted record is
-- gone from the marts and counted here), next to how many records are current.
{%- set entities = [] %}
{%- if execute %}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') %}
        {%- do entities.append(node) %}
    {%- endfor %}
{%- endif %}

{% for node in entities %}
    select
        '{{ node.source_name }}/{{ node.name }}' as entity,
        count(case when coalesce(is_deleted, false) then 1 end) as deleted_records,
        count(case when not coalesce(is_deleted, false) then 1 end) as current_records
    from (
        {{ latest_version(source(node.source_name, node.name), keep_deleted=true) }}
    ) as latest
    {% if not loop.last %}union all{% endif %}
{% endfor %}
{% if not entities %}select
    null as entity,
    0 as deleted_records,
    0 as current_records{% endif %}
