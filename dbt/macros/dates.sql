{#- Portable date math. DuckDB and Spark spell these differently, so models call the macros. -#}

{% macro add_days(date_expr, days) -%}
    {{ return(adapter.dispatch('add_days')(date_expr, days)) }}
{%- endmacro %}

{% macro duckdb__add_days(date_expr, days) -%}
    cast({{ date_expr }} as date) + cast({{ days }} as integer)
{%- endmacro %}

{% macro spark__add_days(date_expr, days) -%}
    date_add(cast({{ date_expr }} as date), cast({{ days }} as int))
{%- endmacro %}


{#- Whole days from start to end (end - start). -#}
{% macro days_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('days_between')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro duckdb__days_between(start_expr, end_expr) -%}
    datediff('day', cast({{ start_expr }} as date), cast({{ end_expr }} as date))
{%- endmacro %}

{#- a bigint, as DuckDB's (Spark's datediff is an int) -#}
{% macro spark__days_between(start_expr, end_expr) -%}
    cast(datediff(cast({{ end_expr }} as date), cast({{ start_expr }} as date)) as bigint)
{%- endmacro %}


{#- One row per calendar date from start to end, both included, in a column `date_day`. -#}
{% macro date_spine(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('date_spine')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro duckdb__date_spine(start_expr, end_expr) -%}
    select cast(range as date) as date_day
    from range(cast({{ start_expr }} as date), {{ add_days(end_expr, 1) }}, interval 1 day)
{%- endmacro %}

{% macro spark__date_spine(start_expr, end_expr) -%}
    select explode(sequence(cast({{ start_expr }} as date), cast({{ end_expr }} as date))) as date_day
{%- endmacro %}


{#- Median with the mean of the two middle values for an even count. -#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median')(expr)) }}
{%- endmacro %}

{% macro duckdb__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}
