//! Businesses over HTTP: profiles, logos, teams and invites, removal, operator verification.

use crate::harness::{
    TestServer, now_ms, peak_memory_kib, png_claiming, profile_fields, quiet_settings,
};
use image::ImageEncoder;
use kontor_protocol::api::ApiErrorCode;
use kontor_protocol::business::{
    BusinessProfile, BusinessSettings, Category, CreateBusiness, CreateInvite, InboxFilter,
    InboxView, Invite, InvitePreview, Label, MAX_LOGO_BYTES, Membership, NewLabel, NewQuickReply,
    QuickReply, Role, TeamMember,
};
use kontor_protocol::{
    ClientFrame, ConversationKind, MessageId, Pos, RequestId, Seq, ServerFrame, UserId,
};
use reqwest::Method;
use std::io::Cursor;
use std::time::Duration;

fn create_body(handle: &str, name: &str) -> CreateBusiness {
    CreateBusiness {
        handle: handle.into(),
        profile: profile_fields(name, Category::Bank),
    }
}

/// An image of `w` × `h` pixels in `format`; `noise` makes it incompressible.
fn image_bytes(w: u32, h: u32, format: image::ImageFormat, noise: bool) -> Vec<u8> {
    let mut state: u32 = 0x9e37_79b9;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        if noise {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let [a, b, c, _] = state.to_le_bytes();
            image::Rgb([a, b, c])
        } else {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        }
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .expect("encode test image");
    out.into_inner()
}

#[tokio::test]
async fn creating_a_business_and_reading_its_public_profile() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let olivia = server.register("olivia", "Olivia Owner").await;
    server.register("alice", "Alice").await;

    let mut body = create_body("Nordbank", "Nordbank");
    body.profile.description = "Banking for the north.".into();
    body.profile.websites = vec!["https://nordbank.example".into()];
    let answer = server
        .api_json(Method::POST, "/api/businesses", Some(&olivia.token), &body)
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let created: BusinessProfile = answer.json();
    assert_eq!(
        created.handle.as_str(),
        "nordbank",
        "handles are lower case"
    );
    assert_eq!(created.profile.name, "Nordbank");
    assert_eq!(created.profile.category, Category::Bank);
    assert_eq!(created.profile.description, "Banking for the north.");
    assert_eq!(created.profile.websites, vec!["https://nordbank.example"]);
    assert!(!created.verified, "a new business is not verified");
    assert_eq!(created.logo, None);
    assert!(created.open_now, "open around the clock by default");

    // Anyone may read it, logged out too.
    let public = server.business_profile("nordbank").await;
    assert_eq!(public, created);
    let answer = server.api_get("/api/businesses/nosuchbiz", None).await;
    answer.assert_error(404, ApiErrorCode::NotFound, "unknown business");

    // The owner sees it among their businesses.
    let mine: Vec<Membership> = server
        .api_get("/api/me/businesses", Some(&olivia.token))
        .await
        .ok("my businesses");
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].business.id, mine[0].role),
        (created.id, Role::Owner)
    );

    // One namespace for people and businesses.
    for handle in ["alice", "NORDBANK", "olivia"] {
        let answer = server
            .api_json(
                Method::POST,
                "/api/businesses",
                Some(&olivia.token),
                &create_body(handle, "Another"),
            )
            .await;
        answer.assert_error(409, ApiErrorCode::HandleTaken, handle);
    }
    let (status, err) = server
        .try_register("nordbank", "Impostor", "long enough pw")
        .await
        .unwrap_err();
    assert_eq!((status, err.code), (409, ApiErrorCode::HandleTaken));

    // Invalid fields are refused and nothing is created.
    let mut long = create_body("longdesc", "Long");
    long.profile.description = "x".repeat(513);
    let mut ftp = create_body("ftpsite", "Ftp");
    ftp.profile.websites = vec!["ftp://x".into()];
    let mut three = create_body("threesites", "Three");
    three.profile.websites = vec![
        "https://a.example".into(),
        "https://b.example".into(),
        "https://c.example".into(),
    ];
    for (what, body) in [
        ("description over 512", long),
        ("ftp website", ftp),
        ("three websites", three),
    ] {
        let handle = body.handle.clone();
        let answer = server
            .api_json(Method::POST, "/api/businesses", Some(&olivia.token), &body)
            .await;
        answer.assert_error(400, ApiErrorCode::InvalidField, what);
        server
            .api_get(&format!("/api/businesses/{handle}"), None)
            .await
            .assert_error(404, ApiErrorCode::NotFound, what);
    }
    // Exactly 512 characters is fine.
    let mut max = create_body("maxdesc", "Max");
    max.profile.description = "é".repeat(512);
    let answer = server
        .api_json(Method::POST, "/api/businesses", Some(&olivia.token), &max)
        .await;
    assert_eq!(answer.status, 201, "512 characters: {}", answer.text());

    // An unknown category and broken JSON.
    let bad_category = br#"{"handle":"badcat","name":"Bad","category":"spaceship"}"#.to_vec();
    let answer = server
        .http(
            Method::POST,
            "/api/businesses",
            Some(&olivia.token),
            Some(("application/json", bad_category)),
        )
        .await;
    assert_eq!(answer.status, 400, "unknown category: {}", answer.text());
    let code = answer.error_code();
    assert!(
        matches!(code, ApiErrorCode::InvalidField | ApiErrorCode::BadRequest),
        "unknown category: {code:?}"
    );
    let answer = server
        .http(
            Method::POST,
            "/api/businesses",
            Some(&olivia.token),
            Some(("application/json", b"{not json".to_vec())),
        )
        .await;
    answer.assert_error(400, ApiErrorCode::BadRequest, "broken JSON");

    // Logged out: 401.
    let answer = server
        .api_json(
            Method::POST,
            "/api/businesses",
            None,
            &create_body("anon", "Anon"),
        )
        .await;
    answer.assert_error(401, ApiErrorCode::Unauthorized, "no token");
    let answer = server
        .api_json(
            Method::POST,
            "/api/businesses",
            Some(&kontor_protocol::SessionToken("made-up".into())),
            &create_body("anon", "Anon"),
        )
        .await;
    answer.assert_error(401, ApiErrorCode::Unauthorized, "unknown token");
    server
        .api_get("/api/businesses/anon", None)
        .await
        .assert_error(404, ApiErrorCode::NotFound, "anon was not created");
}

#[tokio::test]
async fn logo_upload_is_scaled_down_and_bad_uploads_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let team = server.team().await;
    let logo_path = "/api/businesses/shop/logo";

    let png = image_bytes(600, 400, image::ImageFormat::Png, false);
    let answer = server
        .http(
            Method::PUT,
            logo_path,
            Some(&team.owner.token),
            Some(("image/png", png)),
        )
        .await;
    let profile: BusinessProfile = answer.ok("upload png");
    let first_logo = profile
        .logo
        .clone()
        .expect("profile has a logo after upload");
    assert_eq!(
        server.business_profile("shop").await.logo,
        Some(first_logo.clone())
    );

    for path in [logo_path.to_owned(), first_logo.clone()] {
        let answer = server.api_get(&path, None).await;
        assert_eq!(answer.status, 200, "GET {path}");
        assert!(
            answer.content_type.starts_with("image/png"),
            "GET {path}: content type {}",
            answer.content_type
        );
        let img = image::load_from_memory_with_format(&answer.body, image::ImageFormat::Png)
            .expect("the logo is a PNG");
        assert!(
            img.width() <= 256 && img.height() <= 256 && img.width() > 0,
            "logo is {}x{}",
            img.width(),
            img.height()
        );
    }

    // JPEG and WebP are accepted too; the logo path changes with the image.
    let jpeg = image_bytes(300, 300, image::ImageFormat::Jpeg, false);
    let profile: BusinessProfile = server
        .http(
            Method::PUT,
            logo_path,
            Some(&team.owner.token),
            Some(("image/jpeg", jpeg)),
        )
        .await
        .ok("upload jpeg");
    let second_logo = profile.logo.expect("logo after jpeg");
    assert_ne!(second_logo, first_logo, "a new image gets a new logo path");
    let webp = image_bytes(64, 64, image::ImageFormat::WebP, false);
    let profile: BusinessProfile = server
        .http(
            Method::PUT,
            logo_path,
            Some(&team.owner.token),
            Some(("image/webp", webp)),
        )
        .await
        .ok("upload webp");
    let current = profile.logo.expect("logo after webp");

    // Garbage is not an image.
    let answer = server
        .http(
            Method::PUT,
            logo_path,
            Some(&team.owner.token),
            Some(("image/png", b"this is not a picture at all".repeat(20))),
        )
        .await;
    assert!(
        matches!(answer.status, 400 | 415),
        "garbage: status {} {}",
        answer.status,
        answer.text()
    );
    assert_eq!(answer.error_code(), ApiErrorCode::InvalidImage, "garbage");

    // A real PNG over 2 MiB is too large.
    let big = image_bytes(1000, 1000, image::ImageFormat::Png, true);
    assert!(
        big.len() > MAX_LOGO_BYTES,
        "test image is {} bytes",
        big.len()
    );
    let answer = server
        .http(
            Method::PUT,
            logo_path,
            Some(&team.owner.token),
            Some(("image/png", big)),
        )
        .await;
    answer.assert_error(413, ApiErrorCode::TooLarge, "over 2 MiB");

    // An agent may not change it; nor may a stranger or nobody.
    let png = image_bytes(32, 32, image::ImageFormat::Png, false);
    let answer = server
        .http(
            Method::PUT,
            logo_path,
            Some(&team.agent.token),
            Some(("image/png", png.clone())),
        )
        .await;
    answer.assert_error(403, ApiErrorCode::Forbidden, "agent uploads a logo");
    let stranger = server.register("stranger", "Stranger").await;
    let answer = server
        .http(
            Method::PUT,
            logo_path,
            Some(&stranger.token),
            Some(("image/png", png.clone())),
        )
        .await;
    answer.assert_error(403, ApiErrorCode::Forbidden, "stranger uploads a logo");
    let answer = server
        .http(Method::PUT, logo_path, None, Some(("image/png", png)))
        .await;
    answer.assert_error(401, ApiErrorCode::Unauthorized, "logged out upload");

    // None of the refusals changed the logo.
    assert_eq!(server.business_profile("shop").await.logo, Some(current));
}

#[tokio::test]
async fn invites_make_agents_and_roles_limit_what_they_may_do() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let olivia = server.register("olivia", "Olivia Owner").await;
    let aaron = server.register("aaron", "Aaron Smith").await;
    let carol = server.register("carol", "Carol Outsider").await;
    let business = server
        .create_business(&olivia.token, "shop", "Corner Shop", Category::Retail)
        .await;

    let before = now_ms();
    let invite: Invite = server
        .api_json(
            Method::POST,
            "/api/businesses/shop/invites",
            Some(&olivia.token),
            &CreateInvite { role: Role::Agent },
        )
        .await
        .ok("create invite");
    assert_eq!(invite.path, format!("/join/{}", invite.token));
    assert_eq!(invite.role, Role::Agent);
    assert!(
        invite.token.len() >= 16,
        "invite token is guessable: {:?}",
        invite.token
    );
    let week = 7 * 24 * 60 * 60 * 1000;
    assert!(
        invite.expires_at.0 > before + week - 60_000
            && invite.expires_at.0 < before + week + 60_000,
        "expires in 7 days: {:?}",
        invite.expires_at
    );

    // The invitee looks at it (logged in), then accepts.
    let preview: InvitePreview = server
        .api_get(
            &format!("/api/invites/{}", invite.token),
            Some(&aaron.token),
        )
        .await
        .ok("invite preview");
    assert_eq!(
        (preview.business.id, preview.role),
        (business.id, Role::Agent)
    );
    server
        .api_get(&format!("/api/invites/{}", invite.token), None)
        .await
        .assert_error(401, ApiErrorCode::Unauthorized, "preview logged out");
    let accept = format!("/api/invites/{}/accept", invite.token);
    let membership: Membership = server
        .http(Method::POST, &accept, Some(&aaron.token), None)
        .await
        .ok("accept");
    assert_eq!(
        (membership.business.id, membership.role),
        (business.id, Role::Agent)
    );

    // Single use.
    server
        .http(Method::POST, &accept, Some(&carol.token), None)
        .await
        .assert_error(410, ApiErrorCode::Gone, "second acceptance");
    server
        .api_get("/api/invites/nosuchinvitetoken", Some(&carol.token))
        .await
        .assert_error(404, ApiErrorCode::NotFound, "unknown invite");
    server
        .http(
            Method::POST,
            "/api/invites/nosuchinvitetoken/accept",
            Some(&carol.token),
            None,
        )
        .await
        .assert_error(404, ApiErrorCode::NotFound, "accept unknown invite");

    // Memberships.
    let mine: Vec<Membership> = server
        .api_get("/api/me/businesses", Some(&aaron.token))
        .await
        .ok("aaron's businesses");
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].business.id, mine[0].role),
        (business.id, Role::Agent)
    );
    let none: Vec<Membership> = server
        .api_get("/api/me/businesses", Some(&carol.token))
        .await
        .ok("carol's businesses");
    assert!(none.is_empty(), "carol joined nothing: {none:?}");
    server
        .api_get("/api/me/businesses", None)
        .await
        .assert_error(401, ApiErrorCode::Unauthorized, "my businesses logged out");

    // The agent sees the team and the team's lists.
    let team: Vec<TeamMember> = server
        .api_get("/api/businesses/shop/team", Some(&aaron.token))
        .await
        .ok("team");
    let mut roles: Vec<(UserId, Role)> = team.iter().map(|m| (m.user.id, m.role)).collect();
    roles.sort_by_key(|(_, r)| *r);
    assert_eq!(
        roles,
        vec![(aaron.user.id, Role::Agent), (olivia.user.id, Role::Owner)]
    );
    let _: BusinessSettings = server
        .api_get("/api/businesses/shop/settings", Some(&aaron.token))
        .await
        .ok("agent reads settings");
    for path in ["labels", "quick-replies"] {
        let list: Vec<serde_json::Value> = server
            .api_get(&format!("/api/businesses/shop/{path}"), Some(&aaron.token))
            .await
            .ok(path);
        assert!(list.is_empty(), "{path}: {list:?}");
    }
    server
        .api_get("/api/businesses/shop/stats", Some(&aaron.token))
        .await
        .ok::<serde_json::Value>("agent reads stats");

    // …but may not manage anything.
    let mut renamed = business.profile.clone();
    renamed.name = "Aaron's Shop".into();
    let label = NewLabel {
        name: "VIP".into(),
        color: "#ff8800".into(),
    };
    let quick = NewQuickReply {
        shortcut: "hours".into(),
        text: "We are open 9 to 5.".into(),
    };
    let mut loud = quiet_settings();
    loud.show_agent_names = true;
    let refusals = [
        (
            "agent edits profile",
            server
                .api_json(
                    Method::PUT,
                    "/api/businesses/shop",
                    Some(&aaron.token),
                    &renamed,
                )
                .await,
        ),
        (
            "agent edits settings",
            server
                .api_json(
                    Method::PUT,
                    "/api/businesses/shop/settings",
                    Some(&aaron.token),
                    &loud,
                )
                .await,
        ),
        (
            "agent invites",
            server
                .api_json(
                    Method::POST,
                    "/api/businesses/shop/invites",
                    Some(&aaron.token),
                    &CreateInvite { role: Role::Agent },
                )
                .await,
        ),
        (
            "agent adds a label",
            server
                .api_json(
                    Method::POST,
                    "/api/businesses/shop/labels",
                    Some(&aaron.token),
                    &label,
                )
                .await,
        ),
        (
            "agent adds a quick reply",
            server
                .api_json(
                    Method::POST,
                    "/api/businesses/shop/quick-replies",
                    Some(&aaron.token),
                    &quick,
                )
                .await,
        ),
        (
            "agent removes the owner",
            server
                .api_delete(
                    &format!("/api/businesses/shop/members/{}", olivia.user.id),
                    Some(&aaron.token),
                )
                .await,
        ),
    ];
    for (what, answer) in refusals {
        answer.assert_error(403, ApiErrorCode::Forbidden, what);
    }
    let profile = server.business_profile("shop").await;
    assert_eq!(
        profile.profile.name, "Corner Shop",
        "refused rename changed nothing"
    );
    let settings: BusinessSettings = server
        .api_get("/api/businesses/shop/settings", Some(&olivia.token))
        .await
        .ok("settings");
    assert!(
        !settings.show_agent_names,
        "refused settings changed nothing"
    );

    // An outsider sees nothing of the team side.
    for path in ["team", "settings", "labels", "quick-replies", "stats"] {
        server
            .api_get(&format!("/api/businesses/shop/{path}"), Some(&carol.token))
            .await
            .assert_error(
                403,
                ApiErrorCode::Forbidden,
                &format!("outsider GET {path}"),
            );
        server
            .api_get(&format!("/api/businesses/shop/{path}"), None)
            .await
            .assert_error(
                401,
                ApiErrorCode::Unauthorized,
                &format!("logged out GET {path}"),
            );
    }

    // The owner manages; the agent sees the result.
    let created: Label = server
        .api_json(
            Method::POST,
            "/api/businesses/shop/labels",
            Some(&olivia.token),
            &label,
        )
        .await
        .ok("owner adds a label");
    assert_eq!(
        (created.name.as_str(), created.color.as_str()),
        ("VIP", "#ff8800")
    );
    let reply: QuickReply = server
        .api_json(
            Method::POST,
            "/api/businesses/shop/quick-replies",
            Some(&olivia.token),
            &quick,
        )
        .await
        .ok("owner adds a quick reply");
    let labels: Vec<Label> = server
        .api_get("/api/businesses/shop/labels", Some(&aaron.token))
        .await
        .ok("labels");
    assert_eq!(labels, vec![created]);
    let replies: Vec<QuickReply> = server
        .api_get("/api/businesses/shop/quick-replies", Some(&aaron.token))
        .await
        .ok("quick replies");
    assert_eq!(replies, vec![reply]);

    // An admin manages too, but cannot remove the owner.
    let admin = server
        .join(&olivia.token, "shop", &carol.token, Role::Admin)
        .await;
    assert_eq!(admin.role, Role::Admin);
    let _: Label = server
        .api_json(
            Method::POST,
            "/api/businesses/shop/labels",
            Some(&carol.token),
            &NewLabel {
                name: "Later".into(),
                color: "#0000ff".into(),
            },
        )
        .await
        .ok("admin adds a label");
    let answer = server
        .api_delete(
            &format!("/api/businesses/shop/members/{}", olivia.user.id),
            Some(&carol.token),
        )
        .await;
    assert!(
        (400..500).contains(&answer.status),
        "admin removes the owner: {} {}",
        answer.status,
        answer.text()
    );
    let team: Vec<TeamMember> = server
        .api_get("/api/businesses/shop/team", Some(&olivia.token))
        .await
        .ok("team");
    assert!(
        team.iter()
            .any(|m| m.user.id == olivia.user.id && m.role == Role::Owner),
        "the owner stays: {team:?}"
    );
    assert_eq!(team.len(), 3);
}

#[tokio::test]
async fn removing_a_member_cuts_their_access_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let team = server.team().await;
    let customer = server.register("carl", "Carl Customer").await;
    let (mut agent_ws, _) = server.connect(&team.agent.token, Pos(0)).await;
    let (mut owner_ws, _) = server.connect(&team.owner.token, Pos(0)).await;
    let (mut cust, _) = server.connect(&customer.token, Pos(0)).await;
    let chat = cust.start_chat("shop").await;
    let (first, _) = cust.send_message(chat.id, "before the removal").await;
    agent_ws.message_with_id(first).await;

    // While on the team, the agent's inbox works.
    let page = agent_ws
        .inbox(
            team.business.id,
            InboxFilter {
                view: InboxView::All,
                ..Default::default()
            },
            None,
        )
        .await;
    assert_eq!(page.items.len(), 1);

    let answer = server
        .api_delete(
            &format!("/api/businesses/shop/members/{}", team.agent.user.id),
            Some(&team.owner.token),
        )
        .await;
    assert_eq!(answer.status, 204, "remove agent: {}", answer.text());

    let revoked = agent_ws
        .recv_until(|f| matches!(f, ServerFrame::AccessRevoked { .. }))
        .await;
    assert_eq!(
        revoked,
        ServerFrame::AccessRevoked {
            business: team.business.id
        }
    );

    // The open socket no longer reaches the inbox or the conversations.
    let request_id = RequestId::new();
    agent_ws
        .send(&ClientFrame::Inbox {
            request_id,
            business: team.business.id,
            filter: InboxFilter::default(),
            before: None,
        })
        .await;
    let code = agent_ws.request_error(request_id).await;
    assert!(
        matches!(code.as_str(), "not_found" | "forbidden"),
        "inbox after removal: {code}"
    );
    let request_id = RequestId::new();
    agent_ws
        .send(&ClientFrame::History {
            request_id,
            conversation_id: chat.id,
            before: Seq(1000),
            limit: 50,
        })
        .await;
    assert_eq!(
        agent_ws.request_error(request_id).await,
        "not_found",
        "history after removal"
    );
    let id = MessageId::new();
    agent_ws
        .send(&ClientFrame::Send {
            id,
            conversation_id: chat.id,
            body: "sneaky reply".into(),
            attachment: None,
        })
        .await;
    let id_text = id.to_string();
    let (raw, kind, v) = agent_ws
        .recv_raw_until(|_, v| {
            v["id"].as_str() == Some(id_text.as_str())
                || v["message_id"].as_str() == Some(id_text.as_str())
        })
        .await;
    assert_eq!(
        (kind.as_str(), v["code"].as_str()),
        ("error", Some("not_found")),
        "{raw}"
    );

    // New customer messages reach the owner, not the removed agent.
    let (second, _) = cust.send_message(chat.id, "after the removal").await;
    owner_ws.message_with_id(second).await;
    for raw in agent_ws.drain_raw(Duration::from_millis(800)).await {
        assert!(
            !raw.contains("after the removal"),
            "removed agent got: {raw}"
        );
    }
    // Nor did the sneaky reply reach the customer.
    for raw in cust.drain_raw(Duration::from_millis(300)).await {
        assert!(!raw.contains("sneaky reply"), "customer got: {raw}");
    }

    // Over HTTP too.
    server
        .api_get("/api/businesses/shop/team", Some(&team.agent.token))
        .await
        .assert_error(403, ApiErrorCode::Forbidden, "team after removal");
    let mine: Vec<Membership> = server
        .api_get("/api/me/businesses", Some(&team.agent.token))
        .await
        .ok("memberships after removal");
    assert!(mine.is_empty(), "{mine:?}");
    let members: Vec<TeamMember> = server
        .api_get("/api/businesses/shop/team", Some(&team.owner.token))
        .await
        .ok("team");
    assert_eq!(
        members.iter().map(|m| m.user.id).collect::<Vec<_>>(),
        vec![team.owner.user.id]
    );
}

#[tokio::test]
async fn the_operator_verifies_businesses_and_look_alikes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let olivia = server.register("olivia", "Olivia Owner").await;
    let mallory = server.register("mallory", "Mallory").await;
    let customer = server.register("carl", "Carl Customer").await;
    let nordbank = server
        .create_business(&olivia.token, "nordbank", "Nordbank", Category::Bank)
        .await;
    assert!(!nordbank.verified);
    // Made before the badge was granted; it will not get one.
    server
        .create_business(&mallory.token, "n0rdbank", "N0rdbank", Category::Bank)
        .await;

    let out = server.run_cli(&["business", "verify", "nordbank"]).await;
    assert!(
        out.status.success(),
        "verify failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        server.business_profile("nordbank").await.verified,
        "verified at once"
    );

    // Customers see the badge on the business party of their conversation.
    let (mut cust, _) = server.connect(&customer.token, Pos(0)).await;
    let chat = cust.start_chat("nordbank").await;
    assert_eq!(chat.kind, ConversationKind::Business);
    let party = UserId::from(nordbank.id);
    let member = chat
        .members
        .iter()
        .find(|m| m.user.id == party)
        .unwrap_or_else(|| panic!("the business is a member: {chat:?}"));
    assert_eq!(member.user.handle.as_str(), "nordbank");
    assert!(
        member.user.is_verified_business(),
        "badge: {:?}",
        member.user.business
    );

    // A look-alike is refused.
    let out = server.run_cli(&["business", "verify", "n0rdbank"]).await;
    assert!(!out.status.success(), "verifying a look-alike must fail");
    assert!(!server.business_profile("n0rdbank").await.verified);
    // So is an unknown handle.
    let out = server.run_cli(&["business", "verify", "nosuchbiz"]).await;
    assert!(
        !out.status.success(),
        "verifying an unknown business must fail"
    );

    // Unverify takes the badge away, everywhere.
    let out = server.run_cli(&["business", "unverify", "nordbank"]).await;
    assert!(
        out.status.success(),
        "unverify failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!server.business_profile("nordbank").await.verified);
    let again = cust.start_chat("nordbank").await;
    assert_eq!(again.id, chat.id);
    let member = again.members.iter().find(|m| m.user.id == party).unwrap();
    assert!(
        !member.user.is_verified_business(),
        "{:?}",
        member.user.business
    );

    // Verified again; editing other fields keeps the badge, a new name loses it.
    let out = server.run_cli(&["business", "verify", "nordbank"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.business_profile("nordbank").await.verified);
    let mut fields = nordbank.profile.clone();
    fields.description = "Now with savings accounts.".into();
    let profile: BusinessProfile = server
        .api_json(
            Method::PUT,
            "/api/businesses/nordbank",
            Some(&olivia.token),
            &fields,
        )
        .await
        .ok("edit description");
    assert!(profile.verified, "same name keeps the badge");
    fields.name = "Nordbank Group".into();
    let profile: BusinessProfile = server
        .api_json(
            Method::PUT,
            "/api/businesses/nordbank",
            Some(&olivia.token),
            &fields,
        )
        .await
        .ok("rename");
    assert_eq!(profile.profile.name, "Nordbank Group");
    assert!(!profile.verified, "renaming loses the badge");
    assert!(!server.business_profile("nordbank").await.verified);
}

#[tokio::test]
async fn a_burst_of_huge_logos_is_decoded_a_few_at_a_time_or_refused_from_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let team = server.team().await;
    // Black pictures compress to almost nothing and decode into all their pixels.
    let black = |side: u32| {
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new_with_quality(
            &mut png,
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::NoFilter,
        )
        .write_image(
            &vec![0; (side * side * 3) as usize],
            side,
            side,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
        png
    };
    let pictures = [black(4096), png_claiming(8192, 8192)];
    let before = peak_memory_kib(server.pid()).unwrap();
    // Eight at once that each decode into 48 MiB, and six claiming 8192² (256 MiB) in the header.
    let mut uploads = Vec::new();
    for (side, picture, count) in [(4096, &pictures[0], 8), (8192, &pictures[1], 6)] {
        for _ in 0..count {
            let picture = picture.clone();
            let server_base = server.base.clone();
            let token = team.owner.token.clone();
            uploads.push(tokio::spawn(async move {
                let res = reqwest::Client::new()
                    .put(format!("{server_base}/api/businesses/shop/logo"))
                    .bearer_auth(&token.0)
                    .header("content-type", "image/png")
                    .body(picture)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let body: serde_json::Value = res.json().await.unwrap();
                (
                    side,
                    status,
                    body["message"].as_str().unwrap_or_default().to_owned(),
                )
            }));
        }
    }
    let mut stored = 0;
    for upload in uploads {
        let (side, status, message) = upload.await.unwrap();
        if side == 8192 {
            assert_eq!(status, 415, "{message}");
            assert!(message.contains("4096"), "{message}");
        } else {
            // Stored, or refused as busy with a time to retry: never a crash or a stall.
            assert!(matches!(status, 200 | 429), "{status} {message}");
            stored += usize::from(status == 200);
        }
    }
    assert!(stored >= 2, "only {stored} logos stored");
    eprintln!(
        "{stored} of 8 stored; peak memory +{} MiB",
        (peak_memory_kib(server.pid()).unwrap() - before) / 1024
    );
    let grown_mib = (peak_memory_kib(server.pid()).unwrap() - before) / 1024;
    assert!(grown_mib < 200, "peak memory grew by {grown_mib} MiB");
}

#[tokio::test]
async fn nobody_may_take_or_mimic_a_verified_name_or_kontor_s_own() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let olivia = server.register("olivia", "Olivia Owner").await;
    let mallory = server.register("mallory", "Mallory").await;
    server
        .create_business(
            &olivia.token,
            "nordicbikes",
            "Nordic Bikes",
            Category::Retail,
        )
        .await;
    let out = server.run_cli(&["business", "verify", "nordicbikes"]).await;
    assert!(out.status.success());

    // New businesses with the name in other letters: Greek ο, fullwidth, mathematical bold,
    // Cyrillic ԁ, an invisible space; and Kontor's own words.
    for (handle, name) in [
        ("bikes1", "N\u{03BF}rdic Bikes"),
        ("bikes2", "Ｎｏｒｄｉｃ Ｂｉｋｅｓ"),
        ("bikes3", "𝐍𝐨𝐫𝐝𝐢𝐜 𝐁𝐢𝐤𝐞𝐬"),
        ("bikes4", "Nor\u{0501}ic Bikes"),
        ("bikes5", "Nordic\u{200B}Bikes"),
        ("bikes6", "Kontor Support"),
        ("support", "Helpful People"),
    ] {
        let body = CreateBusiness {
            handle: handle.into(),
            profile: profile_fields(name, Category::Retail),
        };
        let answer = server
            .api_json(Method::POST, "/api/businesses", Some(&mallory.token), &body)
            .await;
        assert_eq!(answer.status, 400, "{name} was accepted: {}", answer.text());
    }
    // Nor by renaming an existing business.
    server
        .create_business(
            &mallory.token,
            "mallorybikes",
            "Mallory Bikes",
            Category::Retail,
        )
        .await;
    let rename = profile_fields("Nordic Bikes", Category::Retail);
    let answer = server
        .api_json(
            Method::PUT,
            "/api/businesses/mallorybikes",
            Some(&mallory.token),
            &rename,
        )
        .await;
    assert_eq!(answer.status, 400, "rename accepted: {}", answer.text());
    assert!(
        answer.text().contains("verified business"),
        "{}",
        answer.text()
    );

    // A person may not pose as it either, nor hide characters in their name.
    for name in [
        "Nordic Bikes ✔ Verified",
        "Nordic Bikes",
        "Bikes \u{202E}cidroN",
        "Kontor",
    ] {
        let refused = server
            .try_register("someone", name, "correct horse battery")
            .await;
        assert!(matches!(refused, Err((400, _))), "{name}: {refused:?}");
    }
    let refused = server
        .try_register("admin", "Ada", "correct horse battery")
        .await;
    assert!(matches!(refused, Err((400, _))), "{refused:?}");
    server.register("someone", "Nordic Fan").await;
}
