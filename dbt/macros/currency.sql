{#- Amount in the reporting currency, rounded to the cent, from an amount and a rate to the
    reporting currency (null rate -> null: the amount stays unconverted, never guessed). -#}
{% macro to_reporting_currency(amount, currency, rate) -%}
    cast(round(
        cast({{ amount }} as decimal(20, 4)) * {{ reporting_rate(currency, rate) }},
        2
    ) as decimal(18, 2))
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
