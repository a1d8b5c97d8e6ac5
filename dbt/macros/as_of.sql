{#- The as-of date D of this run: every figure is evaluated as of it (METRICS.md section 0).
    `--vars '{as_of: ...}'` wins, else PARTNER_AS_OF (how Dagster passes it), else today (UTC).
    Read only when models execute: an environment variable or a var read while dbt parses would
    make the next run with another date re-parse the project. -#}
{% macro as_of_date() -%}
    {%- if not execute -%}
        cast(null as date)
    {%- else -%}
        {%- set value = var('as_of', '') or env_var('PARTNER_AS_OF', '') -%}
        {%- if value -%}
            cast('{{ value }}' as date)
        {%- else -%}
            cast('{{ modules.datetime.datetime.utcnow().date().isoformat() }}' as date)
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
