{#- Values outside [min_value, max_value], bounds included; either bound may be left out. Empty
    values pass, as with accepted_values. The GX suites restate it as
    ExpectColumnValuesToBeBetween (dagster_project/checks/dbt_rules.py). -#}
{% test between(model, column_name, min_value=none, max_value=none) %}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error("between: give min_value, max_value or both") }}
    {%- endif %}
    select {{ column_name }}
    from {{ model }}
    where
        {%- if min_value is not none %} {{ column_name }} < {{ min_value }}{% endif %}
        {%- if min_value is not none and max_value is not none %} or{% endif %}
        {%- if max_value is not none %} {{ column_name }} > {{ max_value }}{% endif %}
{% endtest %}
