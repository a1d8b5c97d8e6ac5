{#- Calendar quarters, portable: DuckDB and Spark spell these differently. -#}

{#- The first day of the calendar quarter a date falls in. -#}
{% macro quarter_start(date_expr) -%}
    {{ return(adapter.dispatch('quarter_start')(date_expr)) }}
{%- endmacro %}

{% macro duckdb__quarter_start(date_expr) -%}
    cast(date_trunc('quarter', cast({{ date_expr }} as date)) as date)
{%- endmacro %}

{% macro spark__quarter_start(date_expr) -%}
    cast(trunc(cast({{ date_expr }} as date), 'quarter') as date)
{%- endmacro %}


{#- A date moved by a whole number of months (the day kept; used on first days of months). -#}
{% macro add_months(date_expr, months) -%}
    {{ return(adapter.dispatch('add_months')(date_expr, months)) }}
{%- endmacro %}

{% macro duckdb__add_months(date_expr, months) -%}
    cast(cast({{ date_expr }} as date) + to_months(cast({{ months }} as integer)) as date)
{%- endmacro %}

{% macro spark__add_months(date_expr, months) -%}
    add_months(cast({{ date_expr }} as date), cast({{ months }} as int))
{%- endmacro %}
