import { describe, expect, it } from "vitest";
import {
  evaluate,
  freeVariables,
  mentionsInfinity,
  NotNumericError,
  type MathJson,
} from "./numeric";

const none = new Map<string, number>();
const at = (json: MathJson, vars: Record<string, number> = {}) =>
  evaluate(json, new Map(Object.entries(vars)));

describe("evaluate", () => {
  it("evaluates arithmetic, rationals and big literals", () => {
    expect(at(["Add", 1, ["Multiply", 2, ["Rational", 1, 4]]])).toEqual({ re: 1.5, im: 0 });
    expect(at(["Subtract", 1, ["Divide", 3, 4]])).toEqual({ re: 0.25, im: 0 });
    expect(at({ num: "12345678901234567890" }).re).toBeCloseTo(1.2345678901234567e19, -5);
    expect(at(["Negate", "x"], { x: 2 }).re).toBe(-2);
  });

  it("knows the constants", () => {
    expect(at("Pi").re).toBe(Math.PI);
    expect(at("ExponentialE").re).toBe(Math.E);
    expect(at(["Power", "ExponentialE", ["Multiply", "ImaginaryUnit", "Pi"]]).re).toBeCloseTo(
      -1,
      12,
    );
    expect(at("PositiveInfinity").re).toBe(Infinity);
  });

  it("works in complex numbers where needed", () => {
    expect(at(["Sqrt", -4])).toEqual({ re: 0, im: 2 });
    expect(at(["Complex", 3, 4])).toEqual({ re: 3, im: 4 });
    const z = at(["Divide", 1, ["Complex", 0, 1]]);
    expect(z.re).toBeCloseTo(0, 15);
    expect(z.im).toBe(-1);
    expect(at(["Ln", -1]).im).toBeCloseTo(Math.PI, 15);
  });

  it("keeps odd roots of negative numbers real", () => {
    expect(at(["Root", -8, 3])).toEqual({ re: -2, im: 0 });
    expect(at(["Power", -8, ["Rational", 2, 3]]).re).toBeCloseTo(4, 12);
    expect(at(["Power", -8, ["Rational", 1, 3]]).re).toBeCloseTo(-2, 12);
  });

  it("evaluates functions", () => {
    expect(at(["Sin", ["Multiply", ["Rational", 1, 6], "Pi"]]).re).toBeCloseTo(0.5, 15);
    expect(at(["Log", 1000]).re).toBeCloseTo(3, 15);
    expect(at(["Log", 8, 2]).re).toBeCloseTo(3, 15);
    expect(at(["Factorial", 5]).re).toBe(120);
    expect(at(["Factorial2", 5]).re).toBe(15);
    expect(at(["Abs", ["Complex", 3, 4]]).re).toBe(5);
    expect(at(["Max", 1, 7, 3]).re).toBe(7);
    expect(at(["LCM", 4, 6]).re).toBe(12);
    expect(at(["Mod", -1, 3]).re).toBe(2);
    expect(at(["Binomial", 5, 2]).re).toBe(10);
  });

  it("gives NaN, not an exception or a hang, for undefined or huge values", () => {
    expect(at(["Divide", 1, 0]).re).toBeNaN();
    expect(at(["Power", 0, 0]).re).toBeNaN();
    expect(at(["Factorial", 1000000]).re).toBeNaN();
    expect(at(["Factorial", -1]).re).toBeNaN();
  });

  it("extends the factorial between integers with the gamma function", () => {
    // 2.5! = Γ(3.5) = 15√π/8; ½! = √π/2.
    expect(at(["Factorial", 2.5]).re).toBeCloseTo((15 * Math.sqrt(Math.PI)) / 8, 12);
    expect(at(["Factorial", 0.5]).re).toBeCloseTo(Math.sqrt(Math.PI) / 2, 12);
    expect(at(["Factorial", -0.5]).re).toBeCloseTo(Math.sqrt(Math.PI), 12);
    expect(at(["Factorial", 5]).re).toBe(120);
  });

  it("throws NotNumericError for what is not a number", () => {
    expect(() => evaluate(["Tuple", 1, 2], none)).toThrow(NotNumericError);
    expect(() => evaluate("'text'", none)).toThrow(NotNumericError);
    expect(() => evaluate("y", none)).toThrow(NotNumericError);
    expect(() => evaluate(["Sum", "k", ["Tuple", "k", 1, 10]], none)).toThrow(NotNumericError);
  });
});

describe("freeVariables and mentionsInfinity", () => {
  it("lists variables, not constants, heads or strings", () => {
    const json: MathJson = [
      "Add",
      ["Multiply", "Pi", "x"],
      ["Power", "y", 2],
      "ExponentialE",
      "'cm'",
    ];
    expect([...freeVariables(json)].sort()).toEqual(["x", "y"]);
  });

  it("tells an infinity from an overflow", () => {
    expect(mentionsInfinity(["Negate", "PositiveInfinity"])).toBe(true);
    expect(mentionsInfinity(["Power", 10, 400])).toBe(false);
  });
});
