package io.latentserve.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BearerTokensTest {
  private static final String TOKEN = "0123456789abcdef0123";

  @Test
  void parse_rolesListAndComments_findsEachCaller() {
    BearerTokens tokens =
        BearerTokens.parse(
            "f",
            List.of(
                "# comment",
                "",
                TOKEN + " train,read alice",
                "  " + TOKEN + "x evaluate evaluator  "));

    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.find(TOKEN)).contains(new Caller("alice", Set.of(Role.TRAIN, Role.READ)));
    assertThat(tokens.find(TOKEN + "x")).contains(new Caller("evaluator", Set.of(Role.EVALUATE)));
    assertThat(tokens.find(TOKEN.substring(1))).isEmpty();
  }

  @Test
  void parse_malformedLines_failNamingTheLineNeverTheToken() {
    assertThatThrownBy(() -> BearerTokens.parse("f", List.of(TOKEN + " read")))
        .hasMessage("tokens file f line 1: expected 3 fields (token roles subject), got 2")
        .message()
        .doesNotContain(TOKEN);
    assertThatThrownBy(() -> BearerTokens.parse("f", List.of("#", "short read bob")))
        .hasMessage("tokens file f line 2: token must have at least 16 characters, got 5");
    assertThatThrownBy(() -> BearerTokens.parse("f", List.of(TOKEN + " read,root bob")))
        .hasMessage(
            "tokens file f line 1: unknown role \"root\": expected read, evaluate or train");
    assertThatThrownBy(
            () -> BearerTokens.parse("f", List.of(TOKEN + " read bob", TOKEN + " train eve")))
        .hasMessage("tokens file f line 2: token repeats an earlier line's token");
    assertThatThrownBy(() -> BearerTokens.parse("f", List.of("# nothing")))
        .hasMessage("tokens file f has no token: every call would be refused");
  }
}
