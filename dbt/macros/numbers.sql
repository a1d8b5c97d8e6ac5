{#- A quotient as a double. DuckDB divides decimals as doubles; Spark keeps a decimal and cuts it
    to 6 places, so a ratio of amounts is divided as doubles on both. -#}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / {{ denominator }}
{%- endmacro %}
