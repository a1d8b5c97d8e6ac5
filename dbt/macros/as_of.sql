{#- The as-of date D of this run: every figure is evaluated as of it (METRICS.md section 0). -#}
{% macro as_of_date() -%}
    {%- set value = var('as_of', '') or env_var('PARTNER_AS_OF', '') -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- else -%}
        cast('{{ modules.datetime.datetime.utcnow().date().isoformat() }}' as date)
    {%- endif -%}
{%- endmacro %}
