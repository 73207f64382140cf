# The ReLU study's tables and figures (one job per figure), all under <results>/relu/.

if "relu" in STUDIES:
    RELU = STUDIES["relu"]
    RELU_TABLES = ["runs", "means", "fit", "theory", "pretraining", "scratch", "gram"]
    RELU_REPORTED = ["fit", "theory"]

    rule relu_aggregate:
        input:
            RELU.job_files(),
        output:
            **{
                t: (
                    report(
                        f"{RES}/relu/{t}.csv",
                        caption="../report/relu_tables.rst",
                        category="ReLU study",
                    )
                    if t in RELU_REPORTED
                    else f"{RES}/relu/{t}.csv"
                )
                for t in RELU_TABLES
            },
        log:
            f"{RES}/relu/logs/aggregate.log",
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            study=RELU.record(),
            code=script_version("relu_aggregate.py"),
        script:
            "../scripts/relu_aggregate.py"

    for _fig in [
        "phase_linear_transfer",
        "phase_fine_tune",
        "scratch_power_law",
        "p_perp",
        "kernels",
    ]:

        rule:
            name:
                f"relu_figure_{_fig}"
            input:
                **{
                    t: f"{RES}/relu/{t}.csv"
                    for t in ["means", "fit", "theory", "scratch", "gram"]
                },
            output:
                **pdf_output(f"{RES}/relu/figures/{_fig}.pdf"),
                png=report(
                    f"{RES}/relu/figures/{_fig}.png",
                    caption=f"../report/relu_{_fig}.rst",
                    category="ReLU study",
                    labels={"figure": _fig},
                ),
            log:
                f"{RES}/relu/logs/figures/{_fig}.log",
            localrule: True
            conda:
                "../envs/transferability.yaml"
            params:
                figure=_fig,
                settings=RELU.figure_settings(),
                code=script_version("relu_figure.py"),
            script:
                "../scripts/relu_figure.py"
