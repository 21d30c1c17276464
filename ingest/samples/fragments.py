"""Hand-written text fragments for the sample corpus (example data written for Dozor).

Each fragment is ``(topics, text)``; ``topics`` are taxonomy ids (empty: about none of them). A post is
one fragment or two with overlapping topics, so its gold topics are the union of its fragments'.
Fragments marked with a leading ``!`` in the first topic belong to the storyline and prefer official
or media channels; the marker is stripped by the builder.
"""

from __future__ import annotations

Fragment = tuple[tuple[str, ...], str]

MOB = "mobilization"
CIT = "citizenship"
REC = "recruitment"
FF = "foreign_fighting"
MIG = "migration"
LEG = "legislation"
HR = "human_rights"
NONE: tuple[str, ...] = ()

RU: list[Fragment] = [
    (
        (MOB,),
        "Военкоматы Москвы начали рассылать электронные повестки через Госуслуги. Повестка считается "
        "вручённой через семь дней после размещения в личном кабинете.",
    ),
    (
        (MOB,),
        "Юрист отвечает: что делать, если повестку вручили на работе? Явиться нужно для уточнения "
        "данных воинского учёта, а отказ расписаться не освобождает от ответственности.",
    ),
    (
        (MOB,),
        "Сотрудники военкомата вместе с полицией прошли по общежитиям в Балашихе и проверяли "
        "документы воинского учёта у мужчин призывного возраста.",
    ),
    (
        (MOB,),
        "Осенний призыв продлится до 31 декабря. По данным Генштаба, на срочную службу планируют "
        "призвать 133 тысячи человек.",
    ),
    (
        (MOB,),
        "В Подмосковье возбуждено уголовное дело об уклонении от службы: мужчина трижды не явился "
        "по повестке в военкомат.",
    ),
    (
        (MOB,),
        "Частичная мобилизация официально не завершена, напоминают юристы: указ о ней продолжает "
        "действовать, повестки могут прийти в любой момент.",
    ),
    (
        (MOB,),
        "Новые граждане обязаны встать на воинский учёт в течение двух недель после получения паспорта. "
        "За опоздание — штраф, а в военкомате могут сразу вручить повестку.",
    ),
    (
        (CIT,),
        "Новый порядок приёма в гражданство: экзамен по русскому языку, истории и основам "
        "законодательства теперь обязателен для всех заявителей.",
    ),
    (
        (CIT,),
        "МВД: за девять месяцев 2026 года гражданство России получили более 150 тысяч человек, "
        "большинство — выходцы из Таджикистана, Узбекистана и Киргизии.",
    ),
    (
        (CIT,),
        "Паспорт РФ за три месяца? Разбираем, кому положен упрощённый порядок приёма в гражданство и "
        "какие документы нужно собрать.",
    ),
    (
        (CIT,),
        "Суд в Екатеринбурге лишил приобретённого гражданства уроженца Таджикистана. Паспорт "
        "признан недействительным, мужчину ждёт выдворение.",
    ),
    (
        (CIT,),
        "Очередь на подачу документов на гражданство в Москве расписана до февраля. Запись — только "
        "через портал госуслуг.",
    ),
    (
        (REC,),
        "В пунктах отбора на контракт обещают единовременную выплату до 1,9 млн рублей и денежное "
        "довольствие от 210 тысяч в месяц.",
    ),
    (
        (REC,),
        "Объявление у входа в МФЦ: «Служба по контракту. Выплаты, льготы, ипотека». Телефон пункта "
        "отбора работает круглосуточно.",
    ),
    (
        (REC,),
        "Вербовщики в соцсетях предлагают «работу охранником» в новых регионах — на деле это контракт "
        "с Минобороны. Будьте внимательны и читайте, что подписываете.",
    ),
    (
        (REC,),
        "Пункт отбора на военную службу по контракту открылся рядом с Казанским вокзалом. Там "
        "обещают оформить документы за один день.",
    ),
    (
        ("!" + REC, CIT),
        "Иностранцам, заключившим контракт с Минобороны на срок не менее одного года, "
        "обещают российское гражданство в упрощённом порядке, без экзамена и без вида на жительство.",
    ),
    (
        ("!" + REC, MIG),
        "В ММЦ «Сахарово» работает пункт отбора на военную службу по контракту. Мигрантам, "
        "которые пришли за патентом, раздают листовки с предложением подписать контракт.",
    ),
    (
        (REC, MIG),
        "Очевидцы: в Сахарово людей из очереди на дактилоскопию приглашают «побеседовать» в "
        "кабинет, где уже сидит представитель военкомата с контрактами.",
    ),
    (
        (REC, CIT),
        "Паспорт за год службы: в МВД разъяснили, что заявление на гражданство по контракту "
        "рассматривается за один месяц.",
    ),
    (
        ("!" + FF,),
        "МИД Узбекистана напомнил гражданам: участие в вооружённых конфликтах за рубежом — "
        "наёмничество, за которое статья 154 УК грозит лишением свободы на срок до 10 лет.",
    ),
    (
        ("!" + FF,),
        "Посольство Таджикистана в Москве: участие граждан в военных действиях на территории "
        "иностранных государств преследуется по статье 401 УК РТ.",
    ),
    (
        (FF,),
        "В Бишкеке осуждён вернувшийся из зоны боевых действий гражданин Киргизии: суд приговорил его "
        "к пяти годам за наёмничество.",
    ),
    (
        ("!" + FF,),
        "Генпрокуратура Казахстана предупредила: участие в иностранных вооружённых конфликтах "
        "является уголовным преступлением (статьи 170 и 172 УК РК).",
    ),
    (
        (FF,),
        "В Ташкенте начался суд над тремя мужчинами, которых обвиняют в наёмничестве после "
        "возвращения с войны. Все трое отрицают вину.",
    ),
    ((MIG,), "С 1 января стоимость патента для мигрантов в Москве вырастет до 9 тысяч рублей в месяц."),
    (
        (MIG,),
        "Рейд в Котельниках: полиция проверила более 300 иностранцев, у 40 из них выявлены нарушения "
        "миграционного режима.",
    ),
    (
        (MIG,),
        "Очередь в ММЦ «Сахарово» с пяти утра: мигранты жалуются, что не могут попасть на "
        "дактилоскопию и медосвидетельствование.",
    ),
    ((MIG,), "Денежные переводы мигрантов из России в Таджикистан за третий квартал выросли на 12%, сообщает Нацбанк."),
    (
        (MIG,),
        "Реестр контролируемых лиц: более 600 тысяч иностранцев попали в список на выдворение. Проверьте себя заранее.",
    ),
    (
        (MIG,),
        "Памятка мигранту: регистрацию по месту пребывания нужно оформить в течение 7 рабочих дней "
        "после въезда, иначе штраф и риск депортации.",
    ),
    (
        (MIG,),
        "В аэропорту Внуково задержали рейс из Худжанда: у 20 пассажиров проверяли документы, пятерым запретили въезд.",
    ),
    (
        (LEG, MIG),
        "Госдума приняла в первом чтении законопроект об ужесточении правил въезда и пребывания иностранных граждан.",
    ),
    (
        (LEG, MIG),
        "Президент подписал указ об изменении порядка выдачи патентов. Документ вступает в силу "
        "через 30 дней после опубликования.",
    ),
    (
        (LEG, MOB),
        "Поправки в КоАП: штраф за нарушение правил воинского учёта вырастет до 30 тысяч рублей. "
        "Законопроект одобрен комитетом Госдумы.",
    ),
    ((LEG, MIG), "Совет Федерации одобрил закон о режиме высылки иностранцев без решения суда."),
    (
        (LEG, CIT, MOB),
        "Законопроект о лишении приобретённого гражданства за уклонение от постановки на "
        "воинский учёт внесён в Госдуму.",
    ),
    (
        (LEG,),
        "Депутаты приняли во втором чтении поправки в Уголовный кодекс: наказание за организацию "
        "незаконной миграции ужесточат. Голосование — в пятницу.",
    ),
    (
        (HR, REC, MIG),
        "Правозащитники зафиксировали 14 случаев принуждения мигрантов к подписанию "
        "контракта в отделах полиции за октябрь.",
    ),
    (
        (HR, MIG),
        "Адвокат: задержанного в Сахарово гражданина Узбекистана избили в отделе полиции, заявление в СК подано.",
    ),
    (
        (HR, MIG),
        "Доклад правозащитного центра: дискриминация при найме и съёме жилья остаётся главной "
        "проблемой трудовых мигрантов.",
    ),
    (
        (HR,),
        "Горячая линия помощи задержанным: если вас удерживают в отделе без протокола дольше трёх "
        "часов, звоните юристу.",
    ),
    ((HR,), "Правозащитники требуют освободить журналиста, задержанного после публикации о пытках в изоляторе."),
    (
        ("!" + CIT, MOB),
        "Член СПЧ предложил лишать гражданства натурализованных выходцев из Средней Азии, "
        "если они отказываются вставать на воинский учёт.",
    ),
    (
        (CIT, MOB, HR),
        "Член Совета по правам человека заявил, что получившие российский паспорт выходцы из "
        "Средней Азии «должны разделять обязанности граждан», включая военную службу. Правозащитники "
        "назвали инициативу дискриминационной.",
    ),
    (
        (CIT, MOB),
        "Инициатива о лишении гражданства за отказ от воинского учёта вызвала волну обсуждений. "
        "Юристы напоминают: прекращение гражданства возможно только в порядке, установленном законом.",
    ),
    ((FF,), "Суд в Душанбе приговорил к 12 годам мужчину, воевавшего за рубежом по контракту: статья о наёмничестве."),
    (
        (FF,),
        "МВД Кыргызстана: граждане, подписавшие контракт с иностранной армией, по возвращении будут "
        "привлечены к уголовной ответственности.",
    ),
    (
        (FF, REC, MIG),
        "Адвокаты вернувшихся с войны: многих завербовали прямо в ММЦ, а дома их ждёт суд за наёмничество.",
    ),
    (NONE, "Погода в Москве: в выходные до +3, мокрый снег. Не забудьте тёплую куртку ☔"),
    (NONE, "Рецепт дня: настоящий плов в казане. Рис девзира, баранина, жёлтая морковь и зира 🍚"),
    (NONE, "Футбол: «Пахтакор» обыграл «Насаф» 2:1 и вышел в лидеры чемпионата ⚽"),
    (NONE, "Поздравляем всех с Днём народного единства! Хороших выходных 🇷🇺"),
    (NONE, "Сборная Узбекистана сыграет товарищеский матч с Ираном в Ташкенте. Билеты уже в продаже."),
    (NONE, "Ярмарка выходного дня в Люблино: фрукты из Ферганской долины по доступным ценам 🍇"),
    (NONE, "В Москве открылась выставка ковров ручной работы из Центральной Азии. Вход свободный."),
    (NONE, "Пробки: на МКАД 8 баллов, Каширское шоссе стоит. Выезжайте заранее 🚗"),
    (NONE, "Самса из тандыра: делимся рецептом слоёного теста от нашей подписчицы Гулнор."),
    (NONE, "Синоптики обещают в Ташкенте солнечную неделю, днём до +18."),
]

EN: list[Fragment] = [
    (
        (MOB,),
        "Russian enlistment offices now serve draft summonses electronically through the Gosuslugi "
        "portal; a summons counts as delivered seven days after it appears.",
    ),
    (
        (MOB,),
        "Naturalized citizens from Central Asia report being stopped near Moscow metro stations and "
        "told to report for military registration.",
    ),
    (
        (MOB,),
        "Russia's autumn conscription campaign runs until 31 December, with 133,000 men to be called "
        "up, the General Staff said.",
    ),
    (
        (CIT,),
        "Russia granted citizenship to over 150,000 people in the first nine months of 2026, most of "
        "them from Tajikistan, Uzbekistan and Kyrgyzstan, the Interior Ministry said.",
    ),
    (
        (CIT,),
        "Courts in Russia have stepped up revocations of acquired citizenship, lawyers say, with at "
        "least 40 cases this autumn.",
    ),
    (
        (REC, MIG),
        "Recruitment points have appeared inside migration centres: at the Sakharovo centre "
        "outside Moscow, migrants queuing for work permits are handed leaflets offering army contracts.",
    ),
    (
        ("!" + REC, CIT, LEG),
        "Foreigners who sign a one-year contract with the Russian defence ministry are "
        "promised a fast-track passport under a new decree.",
    ),
    (
        (REC,),
        "Online ads promise 'security jobs' paying 200,000 roubles a month; in practice they lead to "
        "military contracts with the defence ministry.",
    ),
    (
        (REC,),
        "A recruitment office near Kazansky station offers one-off enlistment bonuses of up to 1.9 million roubles.",
    ),
    (
        ("!" + FF,),
        "Uzbekistan's foreign ministry warned citizens that fighting in foreign armed conflicts is "
        "mercenarism, punishable by up to 10 years in prison under Article 154 of the Criminal Code.",
    ),
    ((FF,), "A Kyrgyz court sentenced a returnee who fought abroad to five years for mercenarism."),
    ((FF,), "Tajik prosecutors have opened criminal cases against 20 citizens who joined a foreign army."),
    (
        ("!" + FF,),
        "Kazakhstan's prosecutors reminded citizens that taking part in wars abroad is a criminal "
        "offence under Articles 170 and 172 of the Criminal Code.",
    ),
    ((MIG,), "Work permit (patent) fees for migrants in Moscow will rise to 9,000 roubles a month from January."),
    ((MIG,), "Remittances from Russia to Central Asia grew 12% in the third quarter as the rouble strengthened."),
    (
        (MIG,),
        "Police raids on markets and dormitories in the Moscow region checked hundreds of migrant "
        "workers last week; dozens face deportation.",
    ),
    ((MIG,), "Migrants at the Sakharovo centre describe queues from 5 a.m. for fingerprinting and medical checks."),
    (
        (LEG, MIG),
        "The State Duma passed in first reading a bill that lets police expel foreigners without a court ruling.",
    ),
    (
        (LEG, CIT, MOB),
        "A bill to strip acquired citizenship from men who dodge military registration has been submitted to the Duma.",
    ),
    ((LEG,), "Kazakhstan's parliament approved amendments to the criminal code in a second reading on Wednesday."),
    (
        (HR, REC, MIG),
        "Rights defenders documented 14 cases in October of migrants being pressured to sign "
        "military contracts at police stations.",
    ),
    (
        (HR, MIG),
        "A new report by a rights group describes systematic discrimination against Central Asian "
        "workers in housing and employment.",
    ),
    (
        (HR,),
        "Lawyers say a detainee was beaten in a police station and held for nine hours without a record of arrest.",
    ),
    (
        ("!" + CIT, MOB),
        "A member of Russia's presidential human rights council proposed stripping "
        "naturalized Central Asians of citizenship if they refuse military registration.",
    ),
    (
        (CIT, MOB, HR),
        "Rights groups called the proposal to revoke citizenship over military registration "
        "discriminatory and unconstitutional.",
    ),
    ((FF,), "Uzbek authorities detained two returnees at Tashkent airport on mercenarism charges."),
    (
        (FF,),
        "Kyrgyzstan's interior ministry warned that citizens serving in foreign armies face criminal "
        "prosecution on return.",
    ),
    (NONE, "Almaty weather: first snow expected on Thursday, temperatures down to -5°C ❄️"),
    (NONE, "Football: Kairat Almaty clinch the Kazakhstan Premier League title with two rounds to spare ⚽"),
    (NONE, "Recipe of the week: Tajik qurutob, flatbread soaked in yoghurt sauce with fresh vegetables."),
    (NONE, "Tajikistan marks Constitution Day on 6 November with concerts across Dushanbe."),
    (NONE, "Samarkand hosts an international tourism fair this week, with guests from 40 countries."),
    (NONE, "Bishkek's new bus routes start on Monday; the city has published the full timetable."),
]

UZ: list[Fragment] = [
    (
        (MOB,),
        "Rossiyada fuqarolik olgan yurtdoshlarimizga harbiy komissariatdan chaqiruv qog'ozi "
        "(povestka) kelmoqda. Harbiy hisobga turish majburiy ekanini unutmang.",
    ),
    ((MOB,), "Moskvada metro yonida erkaklarni to'xtatib, harbiy hisobga turish haqida chaqiruv qog'ozi berishmoqda."),
    (
        (MOB,),
        "Kuzgi chaqiruv 31-dekabrgacha davom etadi. Chaqiruv qog'ozini olgan bo'lsangiz, "
        "harbiy komissariatga borishingiz shart.",
    ),
    (
        (CIT,),
        "Rossiya fuqaroligini olish tartibi o'zgardi: endi rus tili, tarix va qonunchilik asoslari "
        "bo'yicha imtihon majburiy.",
    ),
    (
        (CIT,),
        "Rossiya pasportini olgan yurtdoshlar O'zbekiston fuqaroligidan chiqish uchun ariza "
        "berishlari kerak: ikki fuqarolikka ruxsat yo'q.",
    ),
    (
        (REC, MIG),
        "Saxarovo migratsiya markazida shartnoma asosida harbiy xizmatga tanlov punkti ochilgan. "
        "Patent uchun kelgan muhojirlarga varaqalar tarqatilmoqda.",
    ),
    (
        ("!" + REC, CIT),
        "Bir yillik shartnoma imzolagan chet elliklarga Rossiya pasporti tezlashtirilgan "
        "tartibda berilishi va'da qilinmoqda.",
    ),
    (
        (REC,),
        "Internetda «qo'riqchi» ishi deb e'lon berishadi, aslida bu Mudofaa vazirligi bilan "
        "shartnoma. Ehtiyot bo'ling!",
    ),
    (
        ("!" + FF,),
        "O'zbekiston Tashqi ishlar vazirligi ogohlantiradi: chet eldagi qurolli mojarolarda "
        "qatnashish yollanish hisoblanadi va Jinoyat kodeksining 154-moddasiga ko'ra 10 yilgacha "
        "ozodlikdan mahrum qilish bilan jazolanadi.",
    ),
    (
        (FF,),
        "Chet davlat armiyasi safida jang qilib qaytgan fuqaro Toshkentda sudlandi: unga 5 yil "
        "ozodlikdan mahrum qilish jazosi tayinlandi.",
    ),
    ((MIG,), "Moskvada patent narxi 1-yanvardan oyiga 9 ming rublgacha oshadi."),
    (
        (MIG,),
        "Saxarovo markazida navbatlar: muhojirlar ertalab soat 5 dan turishmoqda, barmoq izi "
        "topshirish uchun navbat yetmayapti.",
    ),
    ((MIG,), "Muhojirlarning pul o'tkazmalari uchinchi chorakda 12 foizga o'sdi."),
    ((MIG,), "Reyd: Moskva viloyatidagi bozorda politsiya 200 dan ortiq muhojirni ushladi."),
    (
        (LEG, MIG),
        "Davlat Dumasi chet el fuqarolarini sud qarorisiz chiqarib yuborish to'g'risidagi qonun "
        "loyihasini birinchi o'qishda qabul qildi.",
    ),
    (
        (LEG, CIT, MOB),
        "Harbiy hisobga turishdan bosh tortganlarni fuqarolikdan mahrum qilish haqidagi "
        "qonun loyihasi Dumaga kiritildi.",
    ),
    (
        (HR, REC, MIG),
        "Huquq himoyachilari: oktyabr oyida politsiya bo'limlarida muhojirlarni shartnoma "
        "imzolashga majburlashning 14 holati qayd etildi.",
    ),
    ((HR,), "Ushlangan yurtdoshimiz politsiya bo'limida kaltaklangan. Advokat Tergov qo'mitasiga ariza berdi."),
    (
        ("!" + CIT, MOB),
        "Inson huquqlari kengashi a'zosi Markaziy Osiyodan kelib fuqarolik olganlar harbiy "
        "hisobga turishdan bosh tortsa, ularni fuqarolikdan mahrum qilishni taklif qildi.",
    ),
    ((FF,), "Toshkent aeroportida chet elda jang qilib qaytgan ikki fuqaro yollanish moddasi bilan ushlandi."),
    (NONE, "Toshkentda ertaga havo salqin, +8 daraja, yomg'ir kutilmoqda ☔"),
    (NONE, "Futbol: «Paxtakor» «Nasaf»ni 2:1 hisobida yutdi ⚽"),
    (NONE, "Palov retsepti: guruch, go'sht, sabzi va zira — eng mazali oshning sirlari 🍚"),
    (NONE, "Samarqandda xalqaro turizm yarmarkasi boshlandi, mehmonlar 40 dan ortiq davlatdan."),
]

TG: list[Fragment] = [
    (
        (MOB,),
        "Ба ҳамватанони мо, ки шаҳрвандии Русияро гирифтаанд, аз комиссариати ҳарбӣ даъватнома "
        "(повестка) меояд. Ба қайди ҳарбӣ истодан ҳатмист.",
    ),
    ((MOB,), "Дар Маскав дар назди метро мардонро боздошта, ба комиссариати ҳарбӣ даъват мекунанд."),
    (
        (CIT,),
        "Тартиби гирифтани шаҳрвандии Русия тағйир ёфт: акнун имтиҳон аз забони русӣ, таърих ва "
        "асосҳои қонунгузорӣ ҳатмист.",
    ),
    ((CIT,), "Суд дар Екатеринбург як зодаи Тоҷикистонро аз шаҳрвандии Русия маҳрум кард."),
    (
        (REC, MIG),
        "Дар маркази муҳоҷирати «Сахарово» нуқтаи қабул ба хизмати ҳарбӣ бо шартнома кушода "
        "шудааст. Ба муҳоҷироне, ки барои патент омадаанд, варақаҳо тақсим мекунанд.",
    ),
    (
        ("!" + REC, CIT),
        "Ба хориҷиёне, ки бо Вазорати мудофиаи Русия шартномаи яксола мебанданд, "
        "шиносномаи Русияро бо тартиби соддагардонидашуда ваъда медиҳанд.",
    ),
    (
        ("!" + FF,),
        "Сафорати Тоҷикистон дар Маскав ҳушдор медиҳад: иштироки шаҳрвандон дар амалиёти ҷангӣ "
        "дар хориҷа тибқи моддаи 401 Кодекси ҷиноятӣ ҳамчун зархаридӣ ҷазо дода мешавад.",
    ),
    ((FF,), "Прокуратураи генералӣ нисбати 20 шаҳрванде, ки ба артиши хориҷӣ пайвастанд, парвандаи ҷиноятӣ оғоз кард."),
    ((MIG,), "Аз 1 январ нархи патент барои муҳоҷирон дар Маскав то 9 ҳазор рубл дар як моҳ боло меравад."),
    ((MIG,), "Ҳаҷми интиқоли пули муҳоҷирон ба Тоҷикистон дар семоҳаи сеюм 12 фоиз афзуд."),
    ((MIG,), "Рейд дар бозори Маскав: пулис зиёда аз 200 муҳоҷирро боздошт кард."),
    (
        (LEG, MIG),
        "Думаи давлатии Русия лоиҳаи қонунро дар бораи берун кардани хориҷиён бе қарори суд дар "
        "хониши аввал қабул кард.",
    ),
    (
        (LEG, CIT, MOB),
        "Лоиҳаи қонун дар бораи маҳрум кардан аз шаҳрвандӣ барои саркашӣ аз қайди ҳарбӣ ба Дума пешниҳод шуд.",
    ),
    (
        (HR, REC, MIG),
        "Ҳимоятгарони ҳуқуқ: дар моҳи октябр 14 ҳолати маҷбур кардани муҳоҷирон ба имзои "
        "шартнома дар шӯъбаҳои пулис сабт шуд.",
    ),
    ((HR,), "Ҳамватани мо дар шӯъбаи пулис лату кӯб шуд. Адвокат ба Кумитаи тафтишотӣ шикоят кард."),
    (
        ("!" + CIT, MOB),
        "Узви Шӯрои ҳуқуқи инсон пешниҳод кард, ки зодагони Осиёи Марказӣ, ки шаҳрвандии "
        "Русияро гирифтаанд, агар аз қайди ҳарбӣ саркашӣ кунанд, аз шаҳрвандӣ маҳрум карда шаванд.",
    ),
    ((FF,), "Дар Душанбе шаҳрванде, ки дар хориҷа ҷангидааст, барои зархаридӣ ба 12 сол ҳабс маҳкум шуд."),
    (NONE, "Ҳавои Душанбе: фардо +12 дараҷа, борон меборад ☔"),
    (NONE, "Футбол: «Истиқлол» бори дигар қаҳрамони Тоҷикистон шуд ⚽"),
    (NONE, "Рецепти қурутоб: нон, қурут, пиёз, бодиринг ва помидор 🥗"),
    (NONE, "6 ноябр — Рӯзи Конститутсияи Ҷумҳурии Тоҷикистон. Ҳамаро табрик мегӯем! 🇹🇯"),
]

KY: list[Fragment] = [
    (
        (MOB,),
        "Орусиянын жарандыгын алган мекендештерибизге аскер комиссариатынан чакыруу кагазы "
        "(повестка) келип жатат. Аскердик каттоого туруу милдеттүү.",
    ),
    ((MOB,), "Москвада метронун жанында эркектерди токтотуп, аскердик каттоого туруу үчүн чакыруу беришүүдө."),
    (
        (CIT,),
        "Орусиянын жарандыгын алуу тартиби өзгөрдү: эми орус тили, тарых жана мыйзамдардын "
        "негиздери боюнча сынак милдеттүү.",
    ),
    ((CIT,), "Кыргызстандын жарандары Орусиянын паспортун тездетилген тартипте ала алышат."),
    (
        (REC, MIG),
        "«Сахарово» миграция борборунда келишим боюнча аскердик кызматка тандоо пункту ачылган. "
        "Патент алууга келген мигранттарга баракчалар таратылууда.",
    ),
    (
        ("!" + REC, CIT),
        "Коргоо министрлиги менен бир жылдык келишимге кол койгон чет элдиктерге "
        "Орусиянын паспорту тездетилген тартипте убада кылынууда.",
    ),
    (
        ("!" + FF,),
        "Ички иштер министрлиги эскертет: чет өлкөлөрдөгү куралдуу кагылыштарга катышуу "
        "жалданмачылык болуп саналат жана Кылмыш-жаза кодекси менен жазаланат.",
    ),
    ((FF,), "Бишкекте согуш аймагынан кайтып келген жаран жалданмачылык үчүн 5 жылга соттолду."),
    ((MIG,), "1-январдан тартып Москвада мигранттар үчүн патенттин баасы айына 9 миң рублга чейин көтөрүлөт."),
    ((MIG,), "Мигранттардын акча которуулары үчүнчү чейректе 12 пайызга өстү."),
    ((MIG,), "Москва облусундагы базарда рейд: полиция 200дөн ашык мигрантты кармады."),
    (
        (LEG, MIG),
        "Мамлекеттик Дума чет элдиктерди соттун чечимисиз чыгарып жиберүү боюнча мыйзам "
        "долбоорун биринчи окууда кабыл алды.",
    ),
    (
        (LEG, CIT, MOB),
        "Аскердик каттоодон баш тарткандарды жарандыктан ажыратуу тууралуу мыйзам долбоору Думага киргизилди.",
    ),
    (
        (HR, REC, MIG),
        "Укук коргоочулар: октябрда полиция бөлүмдөрүндө мигранттарды келишимге кол коюуга "
        "мажбурлоонун 14 учуру катталды.",
    ),
    ((HR,), "Кармалган мекендешибиз полиция бөлүмүндө сабалган. Адвокат Тергөө комитетине арыз берди."),
    (
        ("!" + CIT, MOB),
        "Адам укуктары боюнча кеңештин мүчөсү Борбордук Азиядан чыгып жарандык алгандар "
        "аскердик каттоодон баш тартса, аларды жарандыктан ажыратууну сунуштады.",
    ),
    ((FF,), "Чет өлкөнүн армиясында кызмат өтөгөн жарандар мекенине кайтканда кылмыш жоопкерчилигине тартылат."),
    (NONE, "Бишкекте эртең аба ырайы: +6 градус, жамгыр жаайт ☔"),
    (NONE, "Футбол: «Абдыш-Ата» Кыргызстан кубогун утуп алды ⚽"),
    (NONE, "Бешбармак рецепти: эт, камыр жана пияз — майрамдык дасторкондун көркү 🍲"),
    (NONE, "Ысык-Көлдө эс алуу сезону жабылды, бирок туристтер дагы эле келип жатышат."),
]

KK: list[Fragment] = [
    (
        (MOB,),
        "Ресей азаматтығын алған отандастарымызға әскери комиссариаттан шақыру қағазы (повестка) "
        "келуде. Әскери есепке тұру міндетті.",
    ),
    ((MOB,), "Мәскеуде метро маңында ер адамдарды тоқтатып, әскери есепке тұру туралы шақыру қағазын беруде."),
    (
        (CIT,),
        "Ресей азаматтығын алу тәртібі өзгерді: енді орыс тілі, тарих және заңнама негіздері бойынша емтихан міндетті.",
    ),
    (
        (CIT,),
        "Қазақстан қос азаматтыққа жол бермейді: Ресей паспортын алған азаматтар Қазақстан азаматтығынан айырылады.",
    ),
    (
        (REC, MIG),
        "«Сахарово» көші-қон орталығында келісімшарт бойынша әскери қызметке іріктеу пункті "
        "ашылды. Патент алуға келген мигранттарға парақшалар таратылуда.",
    ),
    (
        ("!" + REC, CIT),
        "Қорғаныс министрлігімен бір жылдық келісімшартқа қол қойған шетелдіктерге Ресей "
        "паспорты жеделдетілген тәртіппен уәде етілуде.",
    ),
    (
        ("!" + FF,),
        "Қазақстан Бас прокуратурасы ескертеді: шетелдегі қарулы қақтығыстарға қатысу "
        "жалдамалылық болып табылады, Қылмыстық кодекстің 170-бабы бойынша жауапкершілік көзделген.",
    ),
    ((FF,), "Соғыс аймағынан оралған азамат жалдамалылық үшін 6 жылға сотталды."),
    ((MIG,), "1 қаңтардан бастап Мәскеуде мигранттарға арналған патент бағасы айына 9 мың рубльге дейін өседі."),
    ((MIG,), "Мигранттардың ақша аударымдары үшінші тоқсанда 12 пайызға өсті."),
    ((MIG,), "Мәскеу облысындағы базарда рейд: полиция 200-ден астам мигрантты ұстады."),
    (
        (LEG, MIG),
        "Мемлекеттік Дума шетелдіктерді сот шешімінсіз елден шығару туралы заң жобасын бірінші оқылымда қабылдады.",
    ),
    ((LEG, CIT, MOB), "Әскери есептен жалтарғандарды азаматтықтан айыру туралы заң жобасы Думаға енгізілді."),
    (
        (HR, REC, MIG),
        "Құқық қорғаушылар: қазан айында полиция бөлімдерінде мигранттарды келісімшартқа қол "
        "қоюға мәжбүрлеудің 14 жағдайы тіркелді.",
    ),
    ((HR,), "Ұсталған отандасымыз полиция бөлімінде соққыға жығылды. Адвокат Тергеу комитетіне шағым түсірді."),
    (
        ("!" + CIT, MOB),
        "Адам құқықтары жөніндегі кеңес мүшесі Орталық Азиядан шығып азаматтық алғандар "
        "әскери есепке тұрудан бас тартса, оларды азаматтықтан айыруды ұсынды.",
    ),
    ((FF,), "Шетел армиясында соғысқан екі азамат әуежайда ұсталды, оларға жалдамалылық бабы бойынша айып тағылды."),
    (NONE, "Алматыда ертең ауа райы: алғашқы қар, -5 градус ❄️"),
    (NONE, "Футбол: «Қайрат» Қазақстан Премьер-лигасының чемпионы атанды ⚽"),
    (NONE, "Бауырсақ рецепті: ұн, сүт, ашытқы және аздап қант 🍩"),
    (NONE, "25 қазан — Республика күні. Барлығыңызды мерекемен құттықтаймыз! 🇰🇿"),
]

# Topic-free closing lines and hashtag words per language (uz_cyrl reuses uz through transliteration).
OUTROS: dict[str, list[str]] = {
    "ru": [
        "Подробнее по ссылке.",
        "Сохраните, чтобы не потерять.",
        "Делитесь с земляками!",
        "Следите за обновлениями.",
        "Вопросы пишите в комментарии 👇",
    ],
    "en": ["More at the link.", "Share with anyone who needs it.", "We will keep following this."],
    "uz": ["Batafsil havolada.", "Yurtdoshlarga ulashing!", "Saqlab qo'ying."],
    "tg": ["Муфассал дар пайванд.", "Ба ҳамватанон фиристед!", "Нигоҳ доред."],
    "ky": ["Толугураак шилтемеде.", "Мекендештерге бөлүшүңүз!", "Сактап коюңуз."],
    "kk": ["Толығырақ сілтемеде.", "Отандастарға бөлісіңіз!", "Сақтап қойыңыз."],
}

HASHTAGS: dict[str, dict[str, str]] = {
    "ru": {
        MOB: "мобилизация",
        CIT: "гражданство",
        REC: "контракт",
        FF: "наёмничество",
        MIG: "мигранты",
        LEG: "законопроект",
        HR: "права_человека",
    },
    "en": {
        MOB: "conscription",
        CIT: "citizenship",
        REC: "recruitment",
        FF: "mercenarism",
        MIG: "migration",
        LEG: "legislation",
        HR: "humanrights",
    },
    "uz": {
        MOB: "safarbarlik",
        CIT: "fuqarolik",
        REC: "shartnoma",
        FF: "yollanish",
        MIG: "migratsiya",
        LEG: "qonun",
        HR: "inson_huquqlari",
    },
    "tg": {
        MOB: "сафарбарӣ",
        CIT: "шаҳрвандӣ",
        REC: "шартнома",
        FF: "зархаридӣ",
        MIG: "муҳоҷират",
        LEG: "қонун",
        HR: "ҳуқуқи_инсон",
    },
    "ky": {
        MOB: "мобилизация",
        CIT: "жарандык",
        REC: "келишим",
        FF: "жалданмачылык",
        MIG: "миграция",
        LEG: "мыйзам",
        HR: "адам_укуктары",
    },
    "kk": {
        MOB: "жұмылдыру",
        CIT: "азаматтық",
        REC: "келісімшарт",
        FF: "жалдамалылық",
        MIG: "көшіқон",
        LEG: "заң",
        HR: "адам_құқықтары",
    },
}

EDIT_NOTES: dict[str, str] = {
    "ru": "UPD: уточнили данные ✏️",
    "en": "UPD: figures corrected ✏️",
    "uz": "UPD: ma'lumotlar aniqlashtirildi ✏️",
    "tg": "UPD: маълумот дақиқ карда шуд ✏️",
    "ky": "UPD: маалымат тактоолду ✏️",
    "kk": "UPD: деректер нақтыланды ✏️",
}

ALBUM_CAPTIONS: dict[str, Fragment] = {
    "ru": (
        (REC, MIG),
        "Фото из ММЦ «Сахарово»: стенд пункта отбора на контракт прямо у окон приёма документов на патент 📸",
    ),
    "uz": (NONE, "Toshkentdagi kuzgi yarmarkadan suratlar 📸"),
    "en": ((MIG,), "Photos: the morning queue outside the Sakharovo migration centre 📸"),
}
