{#- The distinct values of `expr` in a group, sorted and joined with ", " (for details people read). -#}
{% macro string_list(expr) -%}
    {{ return(adapter.dispatch('string_list')(expr)) }}
{%- endmacro %}

{% macro duckdb__string_list(expr) -%}
    string_agg(distinct {{ expr }}, ', ' order by {{ expr }})
{%- endmacro %}

{% macro spark__string_list(expr) -%}
    array_join(array_sort(collect_set({{ expr }})), ', ')
{%- endmacro %}


{#- The distinct values of `expr` in a group as a sorted list of strings (the ids a flag is about,
    for worklists), and that list's type (to spell an empty one as `cast(null as ...)`). -#}
{% macro id_list(expr) -%}
    {{ return(adapter.dispatch('id_list')(expr)) }}
{%- endmacro %}

{% macro duckdb__id_list(expr) -%}
    list(distinct cast({{ expr }} as varchar) order by cast({{ expr }} as varchar))
{%- endmacro %}

{% macro spark__id_list(expr) -%}
    array_sort(collect_set(cast({{ expr }} as string)))
{%- endmacro %}

{% macro id_list_type() -%}
    {{ return(adapter.dispatch('id_list_type')()) }}
{%- endmacro %}

{% macro duckdb__id_list_type() -%}
    varchar[]
{%- endmacro %}

{% macro spark__id_list_type() -%}
    array<string>
{%- endmacro %}


{#- The revenue line id of a marketplace transaction that links to no opportunity (METRICS.md
    section 2): `marketplace:<transaction_id>`. -#}
{% macro marketplace_line_id(transaction_id) -%}
    'marketplace:' || {{ transaction_id }}
{%- endmacro %}


{#- A name as it is compared across tools: lower case, runs of spaces as one, no surrounding
    spaces ("  Orbit  Consulting " = "orbit consulting"). -#}
{% macro name_key(expr) -%}
    {{ return(adapter.dispatch('name_key')(expr)) }}
{%- endmacro %}

{% macro duckdb__name_key(expr) -%}
    lower(trim(regexp_replace({{ expr }}, '\s+', ' ', 'g')))
{%- endmacro %}

{% macro spark__name_key(expr) -%}
    lower(trim(regexp_replace({{ expr }}, '\\s+', ' ')))
{%- endmacro %}
