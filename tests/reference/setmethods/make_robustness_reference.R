# Reference outputs of SetMethods 4.0 / QCA 3.25.1 for talentlab's robustness, indirect
# calibration and superSubset(sufficiency) tests (tests/test_qca_robustness_*.py).
# Run from this folder:  Rscript make_robustness_reference.R
# (writes the inputs rob_PAYF.csv, rob_LIPF.csv, rob_LIPR.csv and robustness_reference.json)
suppressPackageStartupMessages({library(QCA); library(SetMethods); library(jsonlite)})
out <- list(versions = list(QCA = as.character(packageVersion("QCA")),
                            SetMethods = as.character(packageVersion("SetMethods")),
                            R = paste(R.version$major, R.version$minor, sep = ".")))
quiet <- function(expr) { r <- NULL; invisible(capture.output(r <- suppressWarnings(expr))); r }
first_model <- function(sol) if (is.null(sol$i.sol)) sol$solution[[1]] else sol$i.sol$C1P1$solution[[1]]

data(PAYF); data(LIPF); data(LIPR); data(LF)
write.csv(data.frame(case = rownames(PAYF), PAYF, check.names = FALSE), "rob_PAYF.csv", row.names = FALSE)
write.csv(data.frame(case = rownames(LIPF), LIPF, check.names = FALSE), "rob_LIPF.csv", row.names = FALSE)
write.csv(data.frame(case = rownames(LIPR), LIPR, check.names = FALSE), "rob_LIPR.csv", row.names = FALSE)

conds <- c("HE", "GG", "AH", "HI", "HW")
# ---- man-page examples (rob.inclrange, rob.ncutrange: PAYF, parsimonious)
ir <- quiet(rob.inclrange(data = PAYF, step = 0.01, max.runs = 10, outcome = "HL",
                          conditions = conds, incl.cut = 0.87, n.cut = 2, include = "?"))
nr <- quiet(rob.ncutrange(data = PAYF, step = 1, max.runs = 10, outcome = "HL",
                          conditions = conds, incl.cut = 0.87, n.cut = 2, include = "?"))
out$payf_inclrange <- list(args = list(step = 0.01, max_runs = 10, incl_cut = 0.87, n_cut = 2, include = "?"),
                           lower = ir[1, 1], upper = ir[2, 1])
out$payf_ncutrange <- list(args = list(step = 1, max_runs = 10, incl_cut = 0.87, n_cut = 2, include = "?"),
                           lower = nr[1, 1], upper = nr[2, 1])
# ---- further ranges: conservative and intermediate solutions on Lipset (LIPF)
lconds <- c("DEVELOPED", "URBAN", "LITERATE", "INDUSTRIAL", "STABLE")
ranges <- list()
for (spec in list(list(name = "conservative", include = "", dir = NULL),
                  list(name = "parsimonious", include = "?", dir = NULL),
                  list(name = "intermediate", include = "?", dir = c("DEVELOPED", "URBAN", "LITERATE", "INDUSTRIAL", "STABLE")))) {
  for (ic in c(0.8, 0.9)) {
    args <- list(data = LIPF, outcome = "SURVIVED", conditions = lconds, incl.cut = ic, n.cut = 1,
                 include = spec$include)
    if (!is.null(spec$dir)) args$dir.exp <- spec$dir
    r1 <- quiet(do.call(rob.inclrange, c(args, list(step = 0.05, max.runs = 10))))
    r2 <- quiet(do.call(rob.ncutrange, c(args, list(step = 1, max.runs = 5))))
    ranges[[length(ranges) + 1]] <- list(solution = spec$name, incl_cut = ic, n_cut = 1,
      model = first_model(quiet(do.call(minimize, args))),
      incl_lower = r1[1, 1], incl_upper = r1[2, 1], ncut_lower = r2[1, 1], ncut_upper = r2[2, 1])
  }
}
out$lipf_ranges <- ranges
# ---- rob.calibrange: man-page example and a finer grid
cr <- function(step, runs, th) {
  r <- quiet(rob.calibrange(raw.data = LIPR, calib.data = LIPF, test.cond.raw = "DEVELOPED",
    test.cond.calib = "DEVELOPED", test.thresholds = th, step = step, max.runs = runs,
    outcome = "SURVIVED", conditions = c("URBAN", "LITERATE", "INDUSTRIAL", "STABLE"),
    incl.cut = 0.8, n.cut = 1, include = "?"))
  list(step = step, max_runs = runs, thresholds = th,
       E = as.list(r$E), C = as.list(r$C), I = as.list(r$I))
}
out$lipr_calibrange <- list(cr(500, 2, c(400, 550, 900)), cr(25, 12, c(400, 550, 900)))
# with DEVELOPED among the conditions (its calibration can then change the solution), fuzzy and crisp
crd <- function(type, step, runs, th) {
  r <- quiet(do.call(rob.calibrange, list(raw.data = LIPR, calib.data = LIPF,
    test.cond.raw = "DEVELOPED", test.cond.calib = "DEVELOPED", test.thresholds = th, type = type,
    step = step, max.runs = runs, outcome = "SURVIVED", conditions = lconds, incl.cut = 0.8,
    n.cut = 1, include = "?")))
  list(type = type, step = step, max_runs = runs, thresholds = th,
       E = as.list(r$E), C = as.list(r$C), I = as.list(r$I))
}
out$lipr_calibrange_developed <- list(crd("fuzzy", 25, 8, c(400, 550, 900)),
                                      crd("crisp", 25, 6, 550))
# ---- rob.fit, rob.corefit, rob.cases, rob.singletest: man-page example (PAYF)
# as the man pages write them: a wrapper passing incl.cut = ic gave the solution for the global
# `ic` left by the loop above (minimize() evaluates arguments from its deparsed call elsewhere)
IS <- minimize(data = PAYF, outcome = "HL", conditions = conds, incl.cut = 0.87, n.cut = 2,
               include = "?", details = TRUE, show.cases = TRUE)
TS1 <- minimize(data = PAYF, outcome = "HL", conditions = conds, incl.cut = 0.7, n.cut = 2,
                include = "?", details = TRUE, show.cases = TRUE)
TS2 <- minimize(data = PAYF, outcome = "HL", conditions = conds, incl.cut = 0.87, n.cut = 1,
                include = "?", details = TRUE, show.cases = TRUE)
TS <- list(TS1, TS2)
rf <- rob.fit(test_sol = TS, initial_sol = IS, outcome = "HL")
cf <- rob.corefit(test_sol = TS, initial_sol = IS, outcome = "HL")
rc <- quiet(rob.cases(test_sol = TS, initial_sol = IS, outcome = "HL"))
rs <- rob.singletest(test_sol = TS, initial_sol = IS, outcome = "HL")
# unrounded: the same quantities from pimdata, to check the formulas beyond SetMethods' rounding
P1 <- pimdata(IS, "HL")$solution_formula
P2 <- pmin(pimdata(TS1, "HL")$solution_formula, pimdata(TS2, "HL")$solution_formula)
P3 <- pmax(pimdata(TS1, "HL")$solution_formula, pimdata(TS2, "HL")$solution_formula)
Y <- pimdata(IS, "HL")$out
core <- pmin(P1, P2)
cons <- function(x) sum(pmin(x, Y)) / sum(x); cov <- function(x) sum(pmin(x, Y)) / sum(Y)
casetypes <- lapply(rc$CaseTypes, function(ct) list(intersection = ct$Intersection,
                    boolean = ct$Boolean, cases = as.list(ct$CaseNames)))
out$payf_fit <- list(
  initial = first_model(IS), tests = list(first_model(TS1), first_model(TS2)),
  rob_fit = as.list(setNames(as.numeric(rf[1, ]), colnames(rf))),
  rob_corefit = as.list(if (is.null(dim(cf))) cf else setNames(as.numeric(cf[1, ]), colnames(cf))),
  case_ratio = as.list(setNames(as.numeric(rc$CaseParameters[1, ]), colnames(rc$CaseParameters))),
  case_types = casetypes,
  singletest = list(model = rs$Model, RCC_Rank = rs$RCC_Rank, SC = rs$SC),
  unrounded = list(RF_cov = cov(core) / cov(P1), RF_cons = cons(P1) / cons(core),
                   RF_SC_minTS = sum(pmin(P1, P2)) / sum(pmax(P1, P2)),
                   RF_SC_maxTS = sum(pmin(P1, P3)) / sum(pmax(P1, P3)),
                   core_cons = cons(core), core_cov = cov(core),
                   core_pri = (sum(pmin(core, Y)) - sum(pmin(core, Y, 1 - Y))) / (sum(core) - sum(pmin(core, Y, 1 - Y)))))
# ---- indirect calibration: QCA calibrate(method = "indirect"), Ragin (2008) income data
inc <- c(40110, 34400, 25200, 24920, 20060, 17090, 15320, 13680, 11720,
         11290, 10940, 9800, 7470, 4670, 4100, 4070, 3740, 3690, 3590,
         2980, 1000, 650, 450, 110)
th <- c(1000, 4000, 5000, 10000, 20000)
out$indirect_income <- list(x = inc, thresholds = th,
  membership = calibrate(inc, method = "indirect", thresholds = "1000, 4000, 5000, 10000, 20000"))
# LIPR DEVELOPED with three thresholds
out$indirect_lipr <- list(x = LIPR$DEVELOPED, thresholds = c(550, 900, 400),
  membership = calibrate(LIPR$DEVELOPED, method = "indirect", thresholds = c(550, 900, 400)))
# SetMethods indirectCalibration (binomial), its man-page example
set.seed(4); x <- runif(20, 0, 1); quant <- quantile(x, c(.2, .4, .5, .6, .8))
x_cal <- NA
x_cal[x <= quant[1]] <- 0
x_cal[x > quant[1] & x <= quant[2]] <- .2
x_cal[x > quant[2] & x <= quant[3]] <- .4
x_cal[x > quant[3] & x <= quant[4]] <- .6
x_cal[x > quant[4] & x <= quant[5]] <- .8
x_cal[x > quant[5]] <- 1
out$indirect_setmethods <- list(x = x, x_cal = x_cal,
  binomial = as.numeric(indirectCalibration(x, x_cal, binom = TRUE)))
# ---- superSubset(relation = "sufficiency") on LF (tests/reference/qca/LF.csv holds the same data)
ss <- list()
for (a in list(list(incl = 0.9, cov = 0, pri = 0, out = "SURV"), list(incl = 0.8, cov = 0.2, pri = 0.6, out = "SURV"),
               list(incl = 0.85, cov = 0, pri = 0, out = "~SURV"))) {
  r <- superSubset(LF, outcome = a$out, conditions = "DEV, URB, LIT, IND, STB", relation = "sufficiency",
                   incl.cut = a$incl, cov.cut = a$cov, pri.cut = a$pri)
  ss[[length(ss) + 1]] <- list(outcome = a$out, incl_cut = a$incl, cov_cut = a$cov, pri_cut = a$pri,
    expression = rownames(r$incl.cov), inclS = r$incl.cov$inclS, PRI = r$incl.cov$PRI, covS = r$incl.cov$covS)
}
out$supersubset_sufficiency <- ss
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), "robustness_reference.json")
