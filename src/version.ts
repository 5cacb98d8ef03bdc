/** The version of the Agent Connect Protocol this library speaks. */
export const ACP_VERSION = "0.2.3";
/** The major part of {@link ACP_VERSION}. */
export const ACP_MAJOR_VERSION = 0;
/** The minor part of {@link ACP_VERSION}. */
export const ACP_MINOR_VERSION = 2;
