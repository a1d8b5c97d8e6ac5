{#- Amount in the reporting currency, rounded to the cent, from an amount and a rate to the
    reporting currency (null rate -> null: the amount stays unconverted, never guessed). -#}
{% macro to_reporting_currency(amount, currency, rate) -%}
    cast(round(
        cast({{ amount }} as decimal(20, 4)) * {{ reporting_rate(currency, rate) }},
        2
    ) as {{ money_type() }})
{%- endmacro %}

{#- The type of every amount in the reporting currency, a line's or a program's total. A line's
    amount is bounded at ingest (16 integer digits) but a conversion or a sum is not: 36 integer
    digits hold any sum of such lines, so no total can overflow (decimal(38, 2) on Spark too). -#}
{% macro money_type() -%}
    decimal(38, 2)
{%- endmacro %}

{#- The rate an amount in `currency` converts at: 1 for the reporting currency, else `rate`
    (null when there is none). -#}
{% macro reporting_rate(currency, rate) -%}
    cast(
        case
            when {{ currency }} = '{{ var("reporting_currency") }}' then 1
            else {{ rate }}
        end as decimal(20, 10)
    )
{%- endmacro %}
