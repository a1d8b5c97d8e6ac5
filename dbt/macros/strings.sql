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
