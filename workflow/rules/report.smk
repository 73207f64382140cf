# The report's tables: every small table of a study also rendered as an HTML page, read in place in the report
# (runs and theory grids are listed there as CSV files to download).


if "linear" in STUDIES:
    from transferability.linear.study import REPORT_TABLES as LINEAR_REPORT_TABLES

    TABLE_CAPTION = {
        "agreement": "agreement",
        "fine_tune_break_even": "break_even",
        "cell_means": "cell_means",
        "pretraining": "pretraining_table",
    }

    for _t in LINEAR_REPORT_TABLES:

        rule:
            name:
                f"linear_table_{_t}"
            input:
                f"{RES}/{{exp}}/{_t}.csv",
            output:
                report(
                    f"{RES}/{{exp}}/report/{_t}.html",
                    caption=f"../report/{TABLE_CAPTION[_t]}.rst",
                    category="7 Tables",
                    labels={"experiment": "{exp}", "table": _t},
                ),
            log:
                f"{RES}/{{exp}}/logs/report/{_t}.log",
            localrule: True
            conda:
                "../envs/transferability.yaml"
            params:
                title=f"{_t}.csv",
                code=script_version("table_html.py"),
            script:
                "../scripts/table_html.py"

    rule linear_table_agreement_all:
        input:
            f"{RES}/agreement.csv",
        output:
            report(
                f"{RES}/report/agreement.html",
                caption="../report/agreement.rst",
                category="5 Agreement",
                labels={"experiment": "all", "table": "agreement"},
            ),
        log:
            f"{RES}/logs/report/agreement.log",
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            title="agreement.csv (all experiments)",
            code=script_version("table_html.py"),
        script:
            "../scripts/table_html.py"

    if LINEAR.distances:

        rule linear_table_distances:
            input:
                f"{RES}/distances/distances.csv",
            output:
                report(
                    f"{RES}/distances/report/distances.html",
                    caption="../report/distances.rst",
                    category="6 Distances",
                    labels={"figure": "distance table"},
                ),
            log:
                f"{RES}/distances/logs/report/distances.log",
            localrule: True
            conda:
                "../envs/transferability.yaml"
            params:
                title="distances.csv",
                code=script_version("table_html.py"),
            script:
                "../scripts/table_html.py"


if "relu" in STUDIES:
    from transferability.relu.study import REPORT_TABLES as RELU_REPORT_TABLES

    for _t in RELU_REPORT_TABLES:

        rule:
            name:
                f"relu_table_{_t}"
            input:
                f"{RES}/relu/{_t}.csv",
            output:
                report(
                    f"{RES}/relu/report/{_t}.html",
                    caption="../report/relu_tables.rst",
                    category="8 ReLU study",
                    labels={"item": f"table {_t}"},
                ),
            log:
                f"{RES}/relu/logs/report/{_t}.log",
            localrule: True
            conda:
                "../envs/transferability.yaml"
            params:
                title=f"ReLU study: {_t}.csv",
                code=script_version("table_html.py"),
            script:
                "../scripts/table_html.py"
