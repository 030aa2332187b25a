package org.multiserver.tck.reference;

/** The reference transform passes every rule that applies to it, over the reference transport. */
class IdentityTransformVerificationTest extends IdentityTransformVerification {
}
