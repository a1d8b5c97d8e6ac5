{#- Normalised customer domain (LANDING.md, account matching): lower case; no scheme, port, path or
    `www.`; an e-mail gives the part after `@`. Null when nothing is left. -#}
{% macro normalize_domain(expr) -%}
    {{ return(adapter.dispatch('normalize_domain')(expr)) }}
{%- endmacro %}

{% macro default__normalize_domain(expr) -%}
    nullif(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(lower(trim({{ expr }})), '^.*@', ''),
                    '^[a-z][a-z0-9+.-]*://', ''
                ),
                '[:/?#].*$', ''
            ),
            -- [.], not \.: Spark reads a backslash in a string literal as an escape
            '^www[.]', ''
        ),
        ''
    )
{%- endmacro %}
