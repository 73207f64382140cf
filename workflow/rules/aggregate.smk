# Tidy table, cell means and the agreement summary per experiment; one combined summary.


rule aggregate:
    input:
        cells=lambda w: cell_files(w.exp),
        scratch=lambda w: scratch_files(w.exp),
        pretrain=lambda w: pretrain_files(w.exp),
    output:
        runs=f"{RES}/{{exp}}/runs.csv",
        means=f"{RES}/{{exp}}/cell_means.csv",
        agreement=report(
            f"{RES}/{{exp}}/agreement.csv",
            caption="../report/agreement.rst",
            category="Agreement",
            labels={"experiment": "{exp}", "table": "agreement"},
        ),
        pretraining=f"{RES}/{{exp}}/pretraining.csv",
        break_even=report(
            f"{RES}/{{exp}}/fine_tune_break_even.csv",
            caption="../report/break_even.rst",
            category="Agreement",
            labels={"experiment": "{exp}", "table": "fine-tuning break-even"},
        ),
    params:
        experiment=lambda w: tcfg.experiment_record(EXP[w.exp]),
        numerics=tcfg.numerics_version(),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/{{exp}}/logs/aggregate.log",
    localrule: True
    script:
        "../scripts/aggregate.py"


rule agreement_all:
    input:
        expand(f"{RES}/{{exp}}/agreement.csv", exp=list(EXP)),
    output:
        report(f"{RES}/agreement.csv", caption="../report/agreement.rst", category="Agreement"),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/logs/agreement_all.log",
    localrule: True
    script:
        "../scripts/concat_csv.py"
