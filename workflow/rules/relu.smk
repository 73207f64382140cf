# The ReLU study's tables and figures (one job per figure), all under <results>/relu/.

if "relu" in STUDIES:
    RELU = STUDIES["relu"]
    from transferability.relu.study import FIGURES as RELU_FIGURES
    from transferability.relu.study import REPORT_TABLES as RELU_REPORT_TABLES
    from transferability.relu.study import TABLES as RELU_TABLES

    rule relu_aggregate:
        input:
            RELU.job_files(),
        output:
            **{t: f"{RES}/relu/{t}.csv" for t in RELU_TABLES if t != "runs"},
            **{
                f"html_{t}": report(
                    f"{RES}/relu/report/{t}.html",
                    caption="../report/relu_tables.rst",
                    category="8 ReLU study",
                    labels={"item": f"table {t}"},
                )
                for t in RELU_REPORT_TABLES
            },
            runs=report(
                f"{RES}/relu/runs.csv",
                caption="../report/relu_tables.rst",
                category="8 ReLU study",
                labels={"item": "table runs (CSV)"},
            ),
        log:
            f"{RES}/relu/logs/aggregate.log",
        priority: PRODUCT_PRIORITY
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            study=RELU.record(),
            code=script_version("relu_aggregate.py"),
        script:
            "../scripts/relu_aggregate.py"

    rule relu_figures:
        input:
            **{
                t: f"{RES}/relu/{t}.csv"
                for t in ["means", "fit", "theory", "scratch", "gram"]
            },
        output:
            **{
                k: v
                for f in RELU_FIGURES
                for k, v in pdf_output(
                    f"{RES}/relu/figures/{f}.pdf", f"{f}_pdf"
                ).items()
            },
            **{
                f: report(
                    f"{RES}/relu/figures/{f}.png",
                    caption=f"../report/relu_{f}.rst",
                    category="8 ReLU study",
                    labels={"item": f"figure {f}"},
                )
                for f in RELU_FIGURES
            },
        log:
            f"{RES}/relu/logs/figures.log",
        priority: PRODUCT_PRIORITY
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            figures=list(RELU_FIGURES),
            settings=RELU.figure_settings(),
            code=script_version("relu_figure.py"),
        script:
            "../scripts/relu_figure.py"
