{#- Split `total` (money, 2 decimals) over rows by `weight` (summing to 1 per partition) so that the
    parts are whole cents and add up to the total exactly: floor each share, then hand the cents
    left over to the largest remainders (ties: `tiebreak` ascending). Works for negative totals. -#}
{% macro allocate_cents(total, weight, partition_by, tiebreak) -%}
    sign({{ total }}) * (
        floor(round(abs({{ total }}) * 100 * {{ weight }}, 6))
        + case
            when row_number() over (
                partition by {{ partition_by }}
                order by
                    -- rounded again, so that equal remainders tie exactly and the tiebreak decides
                    round(
                        round(abs({{ total }}) * 100 * {{ weight }}, 6)
                        - floor(round(abs({{ total }}) * 100 * {{ weight }}, 6)),
                        6
                    ) desc,
                    {{ tiebreak }}
            )
            <= round(abs({{ total }}) * 100)
            - sum(floor(round(abs({{ total }}) * 100 * {{ weight }}, 6))) over (
                partition by {{ partition_by }}
            )
                then 1
            else 0
        end
    ) / 100
{%- endmacro %}
