import { describe, expect, expectTypeOf, it } from "vitest";
import {
  ACPRunException,
  ApiException,
  ApiResponseTooLargeError,
  ApiValueError,
  ApiWaitNoContentError,
  BadRequestException,
  type ClientLimitName,
  type ClientLimits,
  ConflictException,
  ForbiddenException,
  NotFoundException,
  OpenApiException,
  ServiceException,
  statusOfErrcode,
  UnauthorizedException,
  UnprocessableEntityException,
} from "../../src/index.js";

describe("ACPRunException.status", () => {
  it("is the errcode when the errcode is an HTTP error status", () => {
    expect(new ACPRunException("cancelled", 499, "r1").status).toBe(499);
    expect(new ACPRunException("server stopped", 503, "r1").status).toBe(503);
    expect(new ACPRunException("bad input", 422).status).toBe(422);
  });

  it("is 500 when the errcode is absent or not an error status", () => {
    expect(new ACPRunException("failed").status).toBe(500);
    expect(new ACPRunException("failed", 1).status).toBe(500);
    expect(new ACPRunException("failed", 200).status).toBe(500);
    expect(new ACPRunException("failed", 600).status).toBe(500);
    expect(statusOfErrcode(404.5)).toBe(500);
  });

  it("stays an OpenApiException with the errcode in its message", () => {
    const err = new ACPRunException("boom", 503, "run-7");
    expect(err).toBeInstanceOf(OpenApiException);
    expect(err.message).toBe("run run-7 failed (errcode 503): boom");
  });
});

describe("the status classes", () => {
  const cases = [
    [BadRequestException, 400],
    [UnauthorizedException, 401],
    [ForbiddenException, 403],
    [NotFoundException, 404],
    [ConflictException, 409],
    [UnprocessableEntityException, 422],
  ] as const;

  it.each(cases)("%o is built by fromResponse for its status, and has it", (cls, status) => {
    const err = ApiException.fromResponse({ status, operationId: "get_agent_by_id" });
    expect(err).toBeInstanceOf(cls);
    expect(err.status).toBe(status);
    expect(new cls().status).toBe(status);
  });

  it("types each status as its literal", () => {
    expectTypeOf(new BadRequestException().status).toEqualTypeOf<400>();
    expectTypeOf(new UnauthorizedException().status).toEqualTypeOf<401>();
    expectTypeOf(new ForbiddenException().status).toEqualTypeOf<403>();
    expectTypeOf(new NotFoundException().status).toEqualTypeOf<404>();
    expectTypeOf(new ConflictException().status).toEqualTypeOf<409>();
    expectTypeOf(new UnprocessableEntityException().status).toEqualTypeOf<422>();
    expectTypeOf(new ApiWaitNoContentError().status).toEqualTypeOf<204>();
    expectTypeOf(new ServiceException().status).toEqualTypeOf<number>();
    expectTypeOf(new ApiException().status).toEqualTypeOf<number | undefined>();
    expectTypeOf(new ACPRunException("x").status).toEqualTypeOf<number>();
  });

  it("narrows on instanceof", () => {
    const err: unknown = ApiException.fromResponse({ status: 404 });
    if (!(err instanceof NotFoundException)) throw new ApiValueError("not a NotFoundException");
    expectTypeOf(err.status).toEqualTypeOf<404>();
    expect(err.status).toBe(404);
  });

  it("makes any other 5xx a ServiceException with that status, 500 when none is given", () => {
    const err = ApiException.fromResponse({ status: 503 });
    expect(err).toBeInstanceOf(ServiceException);
    expect(err.status).toBe(503);
    expect(new ServiceException().status).toBe(500);
    expect(ApiException.fromResponse({ status: 418 }).constructor).toBe(ApiException);
  });
});

describe("the limit errors", () => {
  it("name their limit with the limit's own type", () => {
    const err = new ApiResponseTooLargeError(10, "get_agent_by_id");
    expectTypeOf(err.limit).toEqualTypeOf<"maxResponseBytes">();
    expectTypeOf<keyof ClientLimits>().toEqualTypeOf<ClientLimitName>();
    expect(err.limit).toBe("maxResponseBytes");
    expect(err).toBeInstanceOf(OpenApiException);
  });
});
