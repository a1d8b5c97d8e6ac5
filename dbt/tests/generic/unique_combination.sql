{#- One row per combination of `columns` (a composite key): returns the combinations that occur
    more than once. dbt_utils.unique_combination_of_columns, without the package. -#}
{% test unique_combination(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as rows_per_key
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
