# The linear study's tables and figures: theory grid, aggregation and one job per figure, per experiment;
# the cross-experiment summary and figures; the distance study (Appendix A). The job that makes a small table
# also writes its HTML page for the report (read in place there; runs and theory grids are CSV downloads).

if "linear" in STUDIES:
    from transferability.core.tables import nearest
    from transferability.linear.study import CROSS_FIGURES, FIGURE_TABLES, REPORT_TABLES

    LINEAR = STUDIES["linear"]
    EXP = LINEAR.experiments
    # numbered so that the report lists them in this order
    REPORT_CATEGORY = {
        "phase_linear_transfer": "1 Phase diagrams",
        "phase_fine_tune": "1 Phase diagrams",
        "slices": "2 Slices",
        "fine_tune_theta": "2 Slices",
        "scratch": "3 Baselines",
        "ridge": "3 Baselines",
        "phase_linear_transfer_tuned": "3 Baselines",
        "pretraining": "4 Diagnostics",
        "agreement_z": "5 Agreement",
    }
    CROSS_CATEGORY = {
        "scratch_double_descent": "3 Baselines",
        "overview": "1 Phase diagrams",
    }
    TABLE_CAPTION = {
        "agreement": "agreement",
        "fine_tune_break_even": "break_even",
        "cell_means": "cell_means",
        "pretraining": "pretraining_table",
    }

    wildcard_constraints:
        exp="|".join(EXP),

    rule linear_theory:
        output:
            report(
                f"{RES}/{{exp}}/theory.csv",
                caption="../report/theory_table.rst",
                category="7 Tables",
                labels={"experiment": "{exp}", "table": "theory grid (CSV)"},
            ),
        log:
            f"{RES}/{{exp}}/logs/theory.log",
        priority: PRODUCT_PRIORITY
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            settings=lambda w: LINEAR.theory_settings(w.exp),
            code=script_version("theory.py"),
        script:
            "../scripts/theory.py"

    rule linear_aggregate:
        input:
            lambda w: LINEAR.restrict(w.exp).job_files(),
        output:
            **{
                f"html_{t}": report(
                    f"{RES}/{{exp}}/report/{t}.html",
                    caption=f"../report/{TABLE_CAPTION[t]}.rst",
                    category="7 Tables",
                    labels={"experiment": "{exp}", "table": t},
                )
                for t in REPORT_TABLES
            },
            runs=report(
                f"{RES}/{{exp}}/runs.csv",
                caption="../report/runs.rst",
                category="7 Tables",
                labels={"experiment": "{exp}", "table": "runs (CSV)"},
            ),
            cell_means=f"{RES}/{{exp}}/cell_means.csv",
            agreement=f"{RES}/{{exp}}/agreement.csv",
            pretraining=f"{RES}/{{exp}}/pretraining.csv",
            fine_tune_break_even=f"{RES}/{{exp}}/fine_tune_break_even.csv",
            ridge_curve=f"{RES}/{{exp}}/ridge_curve.csv",
        log:
            f"{RES}/{{exp}}/logs/aggregate.log",
        priority: PRODUCT_PRIORITY
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            study=lambda w: LINEAR.restrict(w.exp).record(),
            code=script_version("aggregate.py"),
        script:
            "../scripts/aggregate.py"

    rule linear_agreement_all:
        input:
            expand(f"{RES}/{{exp}}/agreement.csv", exp=list(EXP)),
        output:
            agreement=f"{RES}/agreement.csv",
            html_agreement=report(
                f"{RES}/report/agreement.html",
                caption="../report/agreement.rst",
                category="5 Agreement",
                labels={"experiment": "all", "table": "agreement"},
            ),
        log:
            f"{RES}/logs/agreement_all.log",
        priority: PRODUCT_PRIORITY
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            table="agreement",
            code=script_version("concat_csv.py"),
        script:
            "../scripts/concat_csv.py"

    # One figure job per experiment draws all its figures, and one all the cross-experiment figures: a figure
    # takes 0.1-0.4 s to draw and its process 0.5 s to import matplotlib and pandas (measured on 2 cores).
    for _name in EXP:
        _figs = LINEAR.experiment_figures(_name)

        rule:
            name:
                LINEAR.figure_rule(_name)
            input:
                **{
                    t: f"{RES}/{_name}/{t}.csv"
                    for t in sorted({t for f in _figs for t in FIGURE_TABLES[f]})
                },
            output:
                **{
                    k: v
                    for f in _figs
                    for k, v in pdf_output(
                        f"{RES}/{_name}/figures/{f}.pdf", f"{f}_pdf"
                    ).items()
                },
                **{
                    f: report(
                        f"{RES}/{_name}/figures/{f}.png",
                        caption=f"../report/{f}.rst",
                        category=REPORT_CATEGORY[f],
                        labels={"experiment": _name, "figure": f},
                    )
                    for f in _figs
                },
            log:
                f"{RES}/{_name}/logs/figures.log",
            priority: PRODUCT_PRIORITY
            localrule: True
            conda:
                "../envs/transferability.yaml"
            params:
                figures=_figs,
                settings=LINEAR.figure_settings(_name),
                code=script_version("linear_figure.py"),
            script:
                "../scripts/linear_figure.py"

    rule linear_figures_all:
        input:
            cell_means=expand(f"{RES}/{{exp}}/cell_means.csv", exp=list(EXP)),
            theory=expand(f"{RES}/{{exp}}/theory.csv", exp=list(EXP)),
        output:
            **{
                k: v
                for f in CROSS_FIGURES
                for k, v in pdf_output(f"{RES}/figures/{f}.pdf", f"{f}_pdf").items()
            },
            **{
                f: report(
                    f"{RES}/figures/{f}.png",
                    caption=f"../report/{f}.rst",
                    category=CROSS_CATEGORY[f],
                    labels={"experiment": "all", "figure": f},
                )
                for f in CROSS_FIGURES
            },
        log:
            f"{RES}/logs/figures.log",
        priority: PRODUCT_PRIORITY
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            figures=list(CROSS_FIGURES),
            names=list(EXP),
            code=script_version("cross_figure.py"),
        script:
            "../scripts/cross_figure.py"

    if LINEAR.distances:

        rule linear_distance_table:
            output:
                distances=f"{RES}/distances/distances.csv",
                html_distances=report(
                    f"{RES}/distances/report/distances.html",
                    caption="../report/distances.rst",
                    category="6 Distances",
                    labels={"figure": "distance table"},
                ),
            log:
                f"{RES}/logs/distance_table.log",
            priority: PRODUCT_PRIORITY
            localrule: True
            conda:
                "../envs/transferability.yaml"
            params:
                settings=LINEAR.distances,
                sigma=EXP[LINEAR.distances["experiment"]].sigma,
                seed=EXP[LINEAR.distances["experiment"]].seeds[0],
                gamma=nearest(
                    EXP[LINEAR.distances["experiment"]].gammas,
                    LINEAR.distances["gamma"],
                ),
                code=script_version("distance_table.py"),
            script:
                "../scripts/distance_table.py"

        rule linear_distances:
            input:
                cell_means=f"{RES}/{LINEAR.distances['experiment']}/cell_means.csv",
                theory=f"{RES}/{LINEAR.distances['experiment']}/theory.csv",
                distances=f"{RES}/distances/distances.csv",
            output:
                **pdf_output(f"{RES}/distances/T_vs_kl.pdf", "kl_pdf"),
                **pdf_output(f"{RES}/distances/T_vs_w1.pdf", "w1_pdf"),
                **pdf_output(f"{RES}/distances/fixed_pair.pdf", "pair_pdf"),
                kl=report(
                    f"{RES}/distances/T_vs_kl.png",
                    caption="../report/distances_kl.rst",
                    category="6 Distances",
                    labels={"figure": "T against KL"},
                ),
                w1=report(
                    f"{RES}/distances/T_vs_w1.png",
                    caption="../report/distances_w1.rst",
                    category="6 Distances",
                    labels={"figure": "T against W1"},
                ),
                pair=report(
                    f"{RES}/distances/fixed_pair.png",
                    caption="../report/distances_pair.rst",
                    category="6 Distances",
                    labels={"figure": "fixed pair"},
                ),
            log:
                f"{RES}/logs/distances.log",
            priority: PRODUCT_PRIORITY
            localrule: True
            conda:
                "../envs/transferability.yaml"
            params:
                settings=LINEAR.distances,
                sigma=EXP[LINEAR.distances["experiment"]].sigma,
                code=script_version("distances.py"),
            script:
                "../scripts/distances.py"
